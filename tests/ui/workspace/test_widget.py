"""The workspace's notice when someone else changed the patient (issue 10): their name,
not their login, and the time in UK time."""

from __future__ import annotations

from datetime import UTC, datetime

from discharge_hub.services.conflicts import FieldChange, SpellChanges
from discharge_hub.ui.workspace.widget import changed_by_text
from tests.conftest import TODAY, uk


def _changes(by: str, at: datetime) -> SpellChanges:
    change = FieldChange("spell", 7, "next_action", "update", "a", "b", by, at, 1)
    return SpellChanges(7, 3, 4, (change,), ())


def test_the_notice_names_the_person_and_says_the_uk_time_today():
    at = uk(TODAY.year, TODAY.month, TODAY.day, 9, 5)
    text = changed_by_text(_changes("Jane Smith (jsmith)", at), "me (me)", kept=False)
    assert text.startswith("This patient's record was changed by Jane Smith at 09:05: ")
    assert "jsmith" not in text


def test_a_summer_change_is_shown_in_british_summer_time():
    at = datetime(2026, 7, 14, 13, 5, tzinfo=UTC)  # 14:05 BST
    text = changed_by_text(_changes("root", at), "me", kept=True)
    assert text.startswith("This patient's record was changed by root on 14/07/2026 at 14:05")
    assert text.endswith("Your unsaved edits are kept.")


def test_my_own_change_from_another_window_says_you():
    at = uk(TODAY.year, TODAY.month, TODAY.day, 10, 0)
    text = changed_by_text(_changes("Jane Smith (jsmith)", at), "Jane Smith (jsmith)", False)
    assert text.startswith("This patient's record was changed by you at 10:00")
