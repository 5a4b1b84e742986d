"""What a workspace save asks first (issue 10): plain data, and one check against the
save itself on a real database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from discharge_hub.db import Database
from discharge_hub.errors import ValidationError
from discharge_hub.services.views import SpellView
from discharge_hub.services.workspace import CtrEntry, WorkspaceChanges, save, save_checks
from tests.core_support import admit, days, refused

TODAY = date(2026, 11, 24)
SPELL = SpellView(
    **{
        "id": 1,
        "version": 3,
        "patient_id": 1,
        "nhs_number": "9990000018",
        "family_name": "Test",
        "given_name": "Pat",
        "date_of_birth": date(1950, 1, 1),
        "sex": "U",
        "site": "Glenfield Hospital",
        "ward": "Ward 15",
        "bed": "A1",
        "admitted_at": datetime(2026, 11, 10, 9, 0, tzinfo=UTC),
        "specialty": None,
        "edd": date(2026, 11, 30),
        "discharge_ready_date": None,
        "pathway": None,
        "delay_reason": None,
        "next_action": None,
        "discharged_at": None,
        "destination": None,
        "method": None,
        "updated_by": "someone",
        "updated_at": datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
    }
)


def _no_longer(on: str) -> CtrEntry:
    return CtrEntry(on, (), meets=False)


def _edd(typed: str, reason: str = "Typed the wrong week") -> WorkspaceChanges:
    return WorkspaceChanges(edd=typed, edd_reason=reason)


def test_an_edd_before_today_is_asked_about_in_either_spelling():
    assert save_checks(SPELL, _edd("23/11/2026"), today=TODAY).past_edd == date(2026, 11, 23)
    assert save_checks(SPELL, _edd("2026-11-10"), today=TODAY).past_edd == date(2026, 11, 10)
    assert not save_checks(SPELL, _edd("24/11/2026"), today=TODAY).any
    assert not save_checks(SPELL, _edd("31/02/2026"), today=TODAY).any  # refused later
    assert not save_checks(SPELL, WorkspaceChanges(), today=TODAY).any


def test_a_past_edd_the_save_would_refuse_is_refused_not_asked_about():
    """The core's own EDD rules (spells.check_edd) come before the question."""
    with pytest.raises(ValidationError) as before:
        save_checks(SPELL, _edd("09/11/2026"), today=TODAY)  # admitted 10/11/2026
    assert before.value.field == "edd.edd"
    assert before.value.reason == "is before the admission on 10/11/2026"
    with pytest.raises(ValidationError) as no_reason:
        save_checks(SPELL, _edd("23/11/2026", reason="  "), today=TODAY)
    assert no_reason.value.field == "edd.reason"
    # a future EDD is not asked about, so its refusal is left to the save itself
    assert not save_checks(SPELL, _edd("25/11/2026", reason=""), today=TODAY).any


def test_the_form_checks_and_the_save_refuse_the_same_edd(db: Database):
    """One rule function: the save refuses what save_checks refuses, in the same words,
    and writes nothing."""
    spell = admit(db, days_ago=5)
    typed = _edd(f"{days(-6):%d/%m/%Y}")
    with pytest.raises(ValidationError) as asked:
        save_checks(spell, typed)
    saved = refused(
        db,
        lambda s: save(s, spell_id=spell.id, expected_version=spell.version, changes=typed),
        field="edd.edd",
    )
    assert asked.value.message == saved.message
    assert asked.value.reason.startswith("is before the admission on")


def test_becoming_nctr_without_a_delay_reason_asks_for_one():
    becomes = WorkspaceChanges(ctr=_no_longer("24/11/2026"))
    assert save_checks(SPELL, becomes, today=TODAY).needs_delay_reason
    assert not save_checks(replace(SPELL, delay_reason="A14"), becomes, today=TODAY).any
    with_reason = replace(becomes, delay_reason_changed=True, delay_reason="A06")
    assert not save_checks(SPELL, with_reason, today=TODAY).any
    cleared = replace(becomes, delay_reason_changed=True, delay_reason=None)
    assert save_checks(replace(SPELL, delay_reason="A14"), cleared, today=TODAY).any
    still_meets = WorkspaceChanges(ctr=CtrEntry("24/11/2026", ("01",), meets=True))
    assert not save_checks(SPELL, still_meets, today=TODAY).any
    future = WorkspaceChanges(ctr=_no_longer("25/11/2026"))  # refused by the save itself
    assert not save_checks(SPELL, future, today=TODAY).any
