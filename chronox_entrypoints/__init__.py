"""Entry points: the Click CLI (``chronox-cli``), the FastAPI API (``chronox-cli serve``),
the desk's PySide6 monitor (``chronox-cli monitor``), the notebook facade, settings, and
the one composition root that wires adapters into domain services."""
