"""Request and response bodies, apart from the command models."""
