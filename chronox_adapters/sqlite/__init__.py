"""The embedded store: bars, the coverage ledger and the registry in one SQLite file."""

from chronox_adapters.sqlite.actions import SqliteActionStore
from chronox_adapters.sqlite.bars import SqliteRepository
from chronox_adapters.sqlite.database import SqliteDatabase, path_from_url
from chronox_adapters.sqlite.legacy import SqliteLegacyBars
from chronox_adapters.sqlite.registry import SqliteRegistry

__all__ = [
    "SqliteActionStore",
    "SqliteDatabase",
    "SqliteLegacyBars",
    "SqliteRegistry",
    "SqliteRepository",
    "path_from_url",
]
