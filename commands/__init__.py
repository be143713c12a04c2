"""sfa commands layer."""
