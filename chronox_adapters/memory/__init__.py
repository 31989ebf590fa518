"""In-memory adapters for every port: unit tests, notebooks, throwaway runs."""

from chronox_adapters.memory.actions import MemoryActionStore
from chronox_adapters.memory.bus import InProcessBus
from chronox_adapters.memory.jobs import InProcessJobQueue
from chronox_adapters.memory.registry import MemoryRegistry
from chronox_adapters.memory.source import MemorySource
from chronox_adapters.memory.store import MemoryRepository

__all__ = [
    "InProcessBus",
    "MemoryActionStore",
    "InProcessJobQueue",
    "MemoryRegistry",
    "MemoryRepository",
    "MemorySource",
]
