"""``discharge-hub db upgrade`` / ``db current`` end to end, ``--db`` before or after."""

from __future__ import annotations

from pathlib import Path

from discharge_hub import migrate
from tests.cli.conftest import run_cli


def test_current_refuses_a_missing_file_then_upgrade_creates_it(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    before = run_cli("db", "current", "--db", str(path))
    assert before.returncode == 2
    assert f"No database at {path}" in before.stderr and "db upgrade" in before.stderr
    assert not path.exists()  # a read-only command never creates a database
    up = run_cli("--db", str(path), "db", "upgrade")
    assert up.returncode == 0, up.stderr
    assert f"schema at {migrate.head_revision()} (head)" in up.stdout


def test_current_reports_head(db_url: str) -> None:
    result = run_cli("db", "current", "--db", db_url)
    assert result.returncode == 0, result.stderr
    assert f"schema at {migrate.head_revision()} (up to date)" in result.stdout


def test_unknown_command_is_a_usage_error() -> None:
    result = run_cli("no-such-command")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
