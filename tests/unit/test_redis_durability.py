"""What a Redis server's persistence settings mean for the job queue (no server needed)."""

from __future__ import annotations

from typing import Any

import pytest
import redis

from chronox_adapters.redis.connection import volatility, where


class FakeConfig:
    """Answers CONFIG GET like a server with these settings; ``None``: CONFIG disabled."""

    def __init__(self, settings: dict[str, str] | None) -> None:
        self._settings = settings

    def config_get(self, name: str) -> dict[str, str]:
        if self._settings is None:
            raise redis.ResponseError("unknown command 'CONFIG'")
        return {name: self._settings[name]}


def lost(settings: dict[str, str] | None) -> str | None:
    client: Any = FakeConfig(settings)
    return volatility(client)


def test_an_append_only_file_keeps_the_queue() -> None:
    assert lost({"appendonly": "yes", "save": ""}) is None
    assert lost({"appendonly": "yes", "save": "3600 1"}) is None


def test_no_persistence_loses_every_queued_job() -> None:
    problem = lost({"appendonly": "no", "save": ""})
    assert problem is not None and "nothing on disk" in problem


def test_snapshots_alone_lose_the_jobs_since_the_last_one() -> None:
    problem = lost({"appendonly": "no", "save": "3600 1 300 100"})
    assert problem is not None and "since the last snapshot" in problem and "3600 1" in problem


def test_a_server_that_hides_its_config_is_not_warned_about() -> None:
    assert lost(None) is None


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://:secret@cache.example.com:6380/2", "redis://cache.example.com:6380"),
        ("rediss://user:secret@cache.example.com/0", "rediss://cache.example.com:6379"),
        ("unix:///run/redis.sock", "unix:///run/redis.sock"),
    ],
)
def test_the_server_is_named_without_its_password(url: str, shown: str) -> None:
    assert where(url) == shown
