"""The flat-files source's frozen configuration (built from settings by the entry point)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FlatFilesConfig:
    """Where the vendor's day files are, and the S3 keys that read them (not the REST
    key: the vendor issues flat-files keys of their own)."""

    access_key_id: str
    secret_access_key: str
    endpoint: str = "https://files.massive.com"
    bucket: str = "flatfiles"
    #: The dataset: ``us_stocks_sip`` (files at ``{prefix}/{kind}/YYYY/MM/YYYY-MM-DD.csv.gz``).
    prefix: str = "us_stocks_sip"
    #: Retries of one request (HEAD, GET, or the rest of a body cut off mid-stream).
    max_retries: int = 5
    #: First backoff step in seconds (doubling, jittered, capped at ``backoff_cap``).
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    #: Parse in a process of its own (on the other core, beside the checks and the
    #: writes); off: in the caller's thread.
    parser_process: bool = True

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must never appear in output (the key id too: it names the account)."""
        return (self.access_key_id, self.secret_access_key)

    def key(self, kind: str, year: int, month: int, day: str) -> str:
        return f"{self.prefix}/{kind}/{year:04d}/{month:02d}/{day}.csv.gz"

    def __repr__(self) -> str:  # the keys never appear, not even masked
        return (
            f"FlatFilesConfig(endpoint={self.endpoint!r}, bucket={self.bucket!r}, "
            f"prefix={self.prefix!r})"
        )
