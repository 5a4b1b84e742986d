"""The demo's savings write the same trail: audit rows held to the commit
(``audit.batch_writes``) and open history facts kept in the session
(``facts.keep_open_facts``) give the rows the plain way gives; SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from discharge_hub import audit, clock, facts
from discharge_hub.db import Database
from discharge_hub.errors import ValidationError
from discharge_hub.models import AuditEntry, Spell, SpellFact
from discharge_hub.services import ctr, hub, spells
from tests.conftest import patient
from tests.core_support import SITE, add_provider, days


def uk(day_offset: int, hour: int) -> datetime:
    return datetime.combine(days(day_offset), time(hour, 0))


def story(s: Session, n: int, provider_id: int) -> int:
    """Admission, EDD slips, reviews (ready, then a late "meets"), pathway, placement."""
    view = spells.admit(s, patient=patient(n), site=SITE, ward="Ward 7", bed=f"B{n}",
                        admitted_at=uk(-6, 9))  # fmt: skip
    sid = view.id
    for offset, edd in ((-6, 2), (-4, 3), (-2, 4)):
        with facts.effective_at(s, uk(offset, 10)):
            spells.set_edd(s, spell_id=sid, expected_version=None, edd=days(edd),
                           reason="board round")  # fmt: skip
    for offset, meets in ((-6, True), (-3, False), (-1, False)):
        with facts.effective_at(s, uk(offset, 11)):
            ctr.record_ctr_review(s, spell_id=sid, expected_version=None,
                                     review_date=days(offset), criteria=["02"] if meets else [],
                                     meets=meets)  # fmt: skip
    with facts.effective_at(s, uk(-3, 12)):
        spells.set_pathway(s, spell_id=sid, expected_version=None, pathway="P1")
    with facts.effective_at(s, uk(-2, 12)):
        placement = hub.request_placement(s, spell_id=sid, expected_version=None,
                                          service_type="reablement", provider_id=provider_id,
                                          funding="council")  # fmt: skip
    for offset, state in ((-2, "assessing"), (-1, "offered")):
        with facts.effective_at(s, uk(offset, 15)):
            hub.advance_placement(s, placement_id=placement.id, expected_version=None,
                                  to_state=state)  # fmt: skip
    with facts.effective_at(s, uk(-1, 16)):  # slotted into the past: a late fact
        spells.set_pathway(s, spell_id=sid, expected_version=None, pathway="P2")
    return sid


def trail(db: Database, sid: int) -> list[tuple[object, ...]]:
    """The spell's audit rows without the ids that differ between two spells."""
    with db.read() as s:
        rows = s.scalars(
            select(AuditEntry).where(AuditEntry.spell_id == sid).order_by(AuditEntry.id)
        ).all()
        return [
            (r.entity, r.action, r.field, r.version)
            + ((None, None) if (r.field or "").endswith("_id") else (r.old_value, r.new_value))
            for r in rows
        ]


def history(db: Database, sid: int) -> list[tuple[object, ...]]:
    with db.read() as s:
        rows = s.scalars(
            select(SpellFact)
            .where(SpellFact.spell_id == sid)
            .order_by(SpellFact.kind, SpellFact.valid_from, SpellFact.id)
        ).all()
        return [(f.kind, f.valid_from, f.valid_to, f.day, f.pathway_code, f.state, f.note)
                for f in rows]  # fmt: skip


def batched(s: Session) -> None:
    audit.batch_writes(s)
    facts.keep_open_facts(s)


def test_the_batched_unit_of_work_writes_the_same_audit_rows_and_history(db: Database) -> None:
    provider = add_provider(db).id
    # Both stories at the same standing instant: their rows' own times (recorded_at...)
    # are compared, and a ticking clock put a second between them on a slow run.
    at = clock.now()
    with clock.frozen(at, tick=False), db.unit_of_work("demo") as s:
        plain = story(s, 1, provider)
    with clock.frozen(at, tick=False), db.unit_of_work("demo") as s:
        batched(s)
        saved = story(s, 2, provider)
        assert s.info[audit.PENDING], "rows are held until the commit"
    assert len(trail(db, saved)) > 30
    assert trail(db, saved) == trail(db, plain)
    assert history(db, saved) == history(db, plain)
    assert any(row[2] is not None for row in history(db, saved))  # the late fact was slotted


def test_a_query_of_the_audit_trail_in_the_batched_session_sees_the_held_rows(
    db: Database,
) -> None:
    with db.unit_of_work("demo") as s:
        batched(s)
        view = spells.admit(s, patient=patient(3), site=SITE, ward="Ward 7",
                            admitted_at=uk(-2, 9))  # fmt: skip
        count = s.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.spell_id == view.id)
        )
        assert count and count > 0
        assert not s.info[audit.PENDING]


def test_a_failed_batched_unit_of_work_writes_no_audit_rows(db: Database) -> None:
    with db.read() as s:
        before = s.scalar(select(func.count()).select_from(AuditEntry))
    with pytest.raises(ValidationError):
        with db.unit_of_work("demo") as s:
            batched(s)
            view = spells.admit(s, patient=patient(4), site=SITE, ward="Ward 7",
                                admitted_at=uk(-2, 9))  # fmt: skip
            spells.set_edd(s, spell_id=view.id, expected_version=None, edd=days(-5),
                           reason="before the admission")  # fmt: skip
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == before
        assert s.scalar(select(func.count()).select_from(Spell)) == 0


def test_facts_moved_with_sql_are_read_again_after_forget_open(db: Database) -> None:
    def run(n: int, forget: Callable[[Session, int], None]) -> list[tuple[object, ...]]:
        with db.unit_of_work("demo") as s:
            batched(s)
            sid = spells.admit(s, patient=patient(n), site=SITE, ward="Ward 7",
                               admitted_at=uk(-5, 9)).id  # fmt: skip
            with facts.effective_at(s, uk(-4, 10)):
                spells.set_pathway(s, spell_id=sid, expected_version=None, pathway="P1")
            # Moved by SQL, as the demo's back-dating does: the open fact starts earlier.
            s.execute(
                update(SpellFact)
                .where(SpellFact.spell_id == sid, SpellFact.kind == "pathway")
                .values(valid_from=uk(-5, 10)),
                execution_options={"synchronize_session": False},
            )
            forget(s, sid)
            with facts.effective_at(s, uk(-5, 12)):  # after the moved start, before the old
                spells.set_pathway(s, spell_id=sid, expected_version=None, pathway="P2")
        return [row for row in history(db, sid) if row[0] == "pathway"]

    told = run(5, facts.forget_open)
    # Told: the new value ends the moved one at its own time, as a plain session would.
    assert [(r[1], r[2], r[4]) for r in told] == [
        (told[0][1], told[1][1], "P1"),
        (told[1][1], None, "P2"),
    ]
    assert told[0][1] < told[1][1]
