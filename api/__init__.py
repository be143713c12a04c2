"""sfa api layer."""
