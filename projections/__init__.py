"""sfa projections layer."""
