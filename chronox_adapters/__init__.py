"""Adapters: each family implements ports of :mod:`chronox_domain` with one technology.

Families never import each other; the composition root in
:mod:`chronox_entrypoints.container` wires them together.
"""
