"""The desk's monitor (``chronox-cli monitor``): a PySide6 app that reads only the REST
API and its WebSocket, through the typed client of :mod:`chronox_adapters.chronox_api`.

Nothing here imports a store, a bus, the vendor or a database driver (docs/architecture.md,
rule 4); ``setup.cfg``'s import contract ``gui-reads-the-api`` holds it to that.
"""
