"""sfa infra layer."""
