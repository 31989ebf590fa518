"""The REST API: one router per resource, every route a thin call into a domain service."""

from chronox_entrypoints.api.app import create_app

__all__ = ["create_app"]
