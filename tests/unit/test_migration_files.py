"""The PostgreSQL migrations as the migrator loads them, and the one line it fails with
when an install has none (a packaging bug: the wheel once left them out)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chronox_adapters.timescale.migrate import MigrationsMissing, load_migrations


def test_the_package_migrations_run_one_to_n() -> None:
    migrations = load_migrations()
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
    assert migrations[0].name == "ledger_and_registry"
    assert all(m.sql_for("plain") or m.sql_for("timescale") for m in migrations)


def test_no_migration_files_is_a_packaging_bug_said_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "__init__.py").write_text("")
    with pytest.raises(MigrationsMissing) as raised:
        load_migrations(tmp_path)
    message = str(raised.value)
    assert "\n" not in message
    assert str(tmp_path) in message and "packaging bug" in message


def test_a_hole_in_the_numbers_is_refused(tmp_path: Path) -> None:
    (tmp_path / "0001_first.sql").write_text("SELECT 1")
    (tmp_path / "0003_third.sql").write_text("SELECT 3")
    with pytest.raises(RuntimeError, match=r"without holes, found \[1, 3\]"):
        load_migrations(tmp_path)
