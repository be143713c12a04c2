"""``sfa demo seed``: a seeded year of a sales organisation's activity,
recorded through the command layer (see ``seed.py``)."""
