"""Entry points: the Click CLI (and later the API and the monitor), settings, and the
one composition root that wires adapters into domain services."""
