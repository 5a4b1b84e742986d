"""What a workspace save asks first (issue 10): plain data, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from discharge_hub.services.views import SpellView
from discharge_hub.services.workspace import CtrEntry, WorkspaceChanges, save_checks

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


def test_an_edd_before_today_is_asked_about_in_either_spelling():
    assert save_checks(SPELL, WorkspaceChanges(edd="23/11/2026"), today=TODAY).past_edd == date(
        2026, 11, 23
    )
    assert save_checks(SPELL, WorkspaceChanges(edd="2026-11-01"), today=TODAY).any
    assert not save_checks(SPELL, WorkspaceChanges(edd="24/11/2026"), today=TODAY).any
    assert not save_checks(
        SPELL, WorkspaceChanges(edd="31/02/2026"), today=TODAY
    ).any  # refused later
    assert not save_checks(SPELL, WorkspaceChanges(), today=TODAY).any


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
