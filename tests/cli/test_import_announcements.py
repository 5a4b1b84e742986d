"""A PAS import is one unit of work: announced once when it commits, never when it is
refused (the live-refresh contract, issue 9)."""

from __future__ import annotations

from pathlib import Path

from discharge_hub import changes
from discharge_hub.db import Database
from discharge_hub.services.spells import find_spell
from tests.cli.conftest import run_cli
from tests.cli.test_import_cmd import row, write
from tests.live_support import announcements


def test_a_committed_import_is_announced_once_and_a_refused_one_not_at_all(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    with announcements(db, db_url) as heard:
        bad = write(tmp_path / "bad.csv", [row(0), row(1, pathway="P9")])
        assert run_cli("import", "csv", str(bad), "--db", db_url).returncode == 2
        assert heard.since() == []
        good = write(tmp_path / "good.csv", [row(0), row(1)])
        result = run_cli("import", "csv", str(good), "--db", db_url)
        assert result.returncode == 0, result.stderr
        # New wards on the board: everything, once.
        assert heard.since() == [changes.Change(all=True)]
        moved = write(tmp_path / "moved.csv", [row(0, bed="Z9"), row(1)])
        assert run_cli("import", "csv", str(moved), "--db", db_url).returncode == 0
        with db.read() as s:
            spell = find_spell(s, row(0)["nhs_number"])
        assert spell is not None
        assert heard.since() == [changes.Change(frozenset({spell.id}))]
        assert run_cli("import", "csv", str(moved), "--db", db_url).returncode == 0
        assert heard.since() == []  # nothing changed: nothing announced
