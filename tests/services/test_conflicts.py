"""The conflict dialog's "theirs": what others changed on a spell since the version a
user opened, field by field, with who and when (from the audit trail)."""

from __future__ import annotations

import pytest

from discharge_hub.db import Database
from discharge_hub.errors import ConflictError, NotFoundError
from discharge_hub.services import care, conflicts, hub, spells, workspace
from tests.core_support import admit, days, on_pathway


def test_changes_since_the_version_opened(db: Database) -> None:
    spell = on_pathway(db, admit(db), "P1")
    with db.read() as s:
        opened = workspace.spell_detail(s, spell.id)
    with db.unit_of_work("alice") as s:  # the other user's saves, after B opened it
        spells.set_edd(s, spell_id=spell.id, expected_version=None, edd=days(3), reason="plan")
        spells.set_delay_reason(s, spell_id=spell.id, expected_version=None, delay_reason="A13")
        care.add_barrier(s, spell_id=spell.id, kind="tto", description="Medicines to take out")
    with db.unit_of_work("carol") as s:
        spells.set_edd(s, spell_id=spell.id, expected_version=None, edd=days(4), reason="slip")
        spells.set_next_action(s, spell_id=spell.id, expected_version=None, next_action="Call")
        spells.set_next_action(s, spell_id=spell.id, expected_version=None, next_action=None)
    # B saves the EDD over the version opened: refused, and the dialog asks what changed.
    with pytest.raises(ConflictError) as info, db.unit_of_work("bob") as s:
        spells.set_edd(
            s, spell_id=spell.id, expected_version=opened.spell.version, edd=days(6), reason="mine"
        )
    assert info.value.current_version is not None
    with db.read() as s:
        found = conflicts.changes_since(
            s, spell_id=spell.id, version=opened.spell.version, audit_mark=opened.audit_mark
        )
        by_version = conflicts.changes_since(s, spell_id=spell.id, version=opened.spell.version)
    assert found == by_version  # the mark found from the version is the same one
    assert (found.since_version, found.current_version) == (
        opened.spell.version,
        info.value.current_version,
    )
    assert found.changed_fields == {"edd", "delay_reason"}  # next_action: set, then undone
    edd = found.field("edd")
    assert edd is not None
    assert (edd.old_value, edd.new_value, edd.changed_by, edd.edits) == (
        None,
        days(4).isoformat(),
        "carol",
        2,
    )
    reason = found.field("delay_reason")
    assert reason is not None and (reason.old_value, reason.new_value) == (None, "A13")
    assert reason.changed_by == "alice"
    records = {(c.entity, c.field): c for c in found.records}
    assert ("barrier", "description") in records and ("edd_change", "reason") in records
    barrier = records[("barrier", "description")]
    assert (barrier.action, barrier.new_value, barrier.changed_by) == (
        "insert",
        "Medicines to take out",
        "alice",
    )
    assert all(c.entity != "spell" for c in found.records)


def test_no_changes_since_the_current_version(db: Database) -> None:
    spell = on_pathway(db, admit(db), "P2")
    with db.unit_of_work("hub") as s:
        hub.refer_to_hub(s, spell_id=spell.id, expected_version=None)
    with db.read() as s:
        detail = workspace.spell_detail(s, spell.id)
        found = conflicts.changes_since(
            s, spell_id=spell.id, version=detail.spell.version, audit_mark=detail.audit_mark
        )
        assert found.fields == () and found.records == ()
        with pytest.raises(NotFoundError):
            conflicts.changes_since(s, spell_id=4242, version=1)


def test_a_transfer_names_the_ward_not_its_id(db: Database) -> None:
    spell = admit(db, ward="Ward 7", bed="B1")
    with db.unit_of_work("pas") as s:
        spells.transfer(s, spell_id=spell.id, expected_version=None, ward="Ward 9", bed="C2")
    with db.read() as s:
        found = conflicts.changes_since(s, spell_id=spell.id, version=spell.version)
    shown = {c.field: (c.old_value, c.new_value) for c in found.fields}
    assert shown == {"ward": ("Ward 7", "Ward 9"), "bed": ("B1", "C2")}
