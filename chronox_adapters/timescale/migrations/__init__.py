"""Numbered SQL migrations, shipped as package data.

``NNNN_name.sql`` applies in every mode; ``NNNN_name.plain.sql`` only on plain
PostgreSQL and ``NNNN_name.timescale.sql`` only where the timescaledb extension is
installed. A version is applied whole (all of its files) in one transaction.
"""
