"""sfa domain layer."""
