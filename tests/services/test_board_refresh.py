"""Refreshing the board re-uses the rows whose values did not change and builds the
rest: never a stale row (a changed field, colour, code list or day), on either backend."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import text

from discharge_hub import clock
from discharge_hub.db import Database
from discharge_hub.services import board, care, spells
from discharge_hub.services.board import BoardRow
from tests.core_support import admit, days, on_pathway


def by_spell(db: Database, **kw: Any) -> dict[int, BoardRow]:
    with db.read() as s:
        return {r.spell_id: r for r in board.board(s, **kw)}


def test_a_refresh_rebuilds_only_the_changed_rows(db: Database) -> None:
    a, b, c = (admit(db, n, bed=f"B{n + 1}") for n in range(3))
    on_pathway(db, c, "P1")
    first = by_spell(db, today=clock.today())
    again = by_spell(db, today=clock.today())
    assert all(again[i] is first[i] for i in (a.id, b.id, c.id))

    with db.unit_of_work("ward") as s:
        spells.set_edd(s, spell_id=b.id, expected_version=None, edd=days(4), reason="x")
        care.record_red2green(s, spell_id=c.id, day=clock.today(), colour="green")
    second = by_spell(db, today=clock.today())
    assert second[a.id] is first[a.id]
    assert second[b.id] is not first[b.id]
    assert (second[b.id].edd, second[b.id].days_to_edd) == (days(4), 4)
    # The colour is read apart from the row's values: a new colour is a new row.
    assert second[c.id] is not first[c.id] and second[c.id].red2green == "green"
    assert first[c.id].red2green is None

    # A carer added changes the summary kept by the database's triggers, not the spell.
    with db.unit_of_work("ward") as s:
        care.add_carer(s, spell_id=a.id, name="Ann")
    third = by_spell(db, today=clock.today())
    assert third[a.id] is not second[a.id]
    assert (third[a.id].carer_count, third[a.id].carer_status) == (1, "Not contacted")
    assert third[b.id] is second[b.id]


def test_a_new_day_or_code_list_rebuilds_every_row(db: Database) -> None:
    spell = admit(db, days_ago=3)
    with db.unit_of_work("ward") as s:
        spells.set_delay_reason(s, spell_id=spell.id, expected_version=None, delay_reason="A13")
    today = clock.today()
    [row] = by_spell(db, today=today).values()
    [tomorrow] = by_spell(db, today=today + timedelta(days=1)).values()
    assert (row.los, tomorrow.los) == (3, 4)
    assert tomorrow.age in (row.age, row.age + 1)

    # An administrator renames a delay reason in the code list: the board says so.
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE delay_reason SET label = 'Renamed reason' WHERE code = 'A13'"))
    [renamed] = by_spell(db, today=today + timedelta(days=1)).values()
    assert renamed is not tomorrow
    assert (renamed.delay_reason, renamed.delay_reason_label) == ("A13", "Renamed reason")
    assert tomorrow.delay_reason_label != "Renamed reason"


def test_two_databases_never_share_a_row_they_do_not_both_hold(db: Database, tmp_path: Any) -> None:
    """Rows are re-used by value: another database's board, read in between, gets its
    own rows, and the first database's next board is still right."""
    admit(db, 0)
    other = Database.open(str(tmp_path / "other.sqlite3"), create=True)
    try:
        admit(other, 1, ward="Ward 9", bed="C3")
        [mine] = by_spell(db, today=clock.today()).values()
        [theirs] = by_spell(other, today=clock.today()).values()
        [mine_again] = by_spell(db, today=clock.today()).values()
    finally:
        other.dispose()
    assert (mine.ward, mine.bed) == ("Ward 7", "B1")
    assert (theirs.ward, theirs.bed) == ("Ward 9", "C3")
    assert mine_again == mine
