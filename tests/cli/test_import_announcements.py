"""A PAS import is one unit of work: announced once when it commits, never when it is
refused (the live-refresh contract, issue 9).

The import runs in this process (``cli.main``): the test keeps the database open to
read the announcements, and an embedded SQLite file is written by one program at a
time (a second process would be refused, see tests/test_sqlite_safety.py)."""

from __future__ import annotations

from pathlib import Path

from discharge_hub import changes
from discharge_hub.cli import main
from discharge_hub.db import Database
from discharge_hub.services.spells import find_spell
from tests.cli.test_import_cmd import row, write
from tests.live_support import announcements


def test_a_committed_import_is_announced_once_and_a_refused_one_not_at_all(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    with announcements(db, db_url) as heard:
        bad = write(tmp_path / "bad.csv", [row(0), row(1, pathway="P9")])
        assert main(["import", "csv", str(bad), "--db", db_url]) == 2
        assert heard.since() == []
        good = write(tmp_path / "good.csv", [row(0), row(1)])
        assert main(["import", "csv", str(good), "--db", db_url]) == 0
        # New wards on the board: everything, once.
        assert heard.since() == [changes.Change(all=True)]
        moved = write(tmp_path / "moved.csv", [row(0, bed="Z9"), row(1)])
        assert main(["import", "csv", str(moved), "--db", db_url]) == 0
        with db.read() as s:
            spell = find_spell(s, row(0)["nhs_number"])
        assert spell is not None
        assert heard.since() == [changes.Change(frozenset({spell.id}))]
        assert main(["import", "csv", str(moved), "--db", db_url]) == 0
        assert heard.since() == []  # nothing changed: nothing announced
