"""Bad input gets a clear error naming the field, and nothing is written (issue 8, part 4):
names and identifiers that would print or display wrongly, free text that keeps its
line breaks, implausible dates and UK times that never happened, on SQLite and
PostgreSQL, in every service that takes them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from discharge_hub import clock
from discharge_hub.db import Database
from discharge_hub.errors import ValidationError
from discharge_hub.services import care, hub, spells
from discharge_hub.validators import (
    NAME,
    TEXT,
    check_uk_time,
    optional_text,
    parse_datetime,
    require_text,
    uk_instant,
)
from tests.conftest import TODAY, admitted, patient
from tests.core_support import add_provider, admit, days, on_pathway, refused

BAD_IN_NAMES = {
    "NUL": "Ev\x00il",
    "line feed": "Ward\n7",
    "carriage return": "Ward\r7",
    "tab": "Ward\t7",
    "escape sequence": "Ward \x1b[2J7",
    "right-to-left override": "Ward \u202e7 draW",
    "left-to-right isolate": "Ward \u20667",
    "zero-width space": "Wa\u200brd 7",
    "zero-width joiner": "Wa\u200drd 7",
    "byte-order mark": "\ufeffWard 7",
    "next line": "Ward\x857",
    "line separator": "Ward\u20287",
    "private use": "Ward \ue0007",
    "hangul filler": "Ward \u31647",
}


def last_sunday(year: int, month: int) -> date:
    end = date(year, month, 31)
    return end - timedelta(days=(end.weekday() - 6) % 7)


def recent_clock_change(month: int) -> date:
    """The last clock-change day of ``month`` (3: forward, 10: back) at least two days
    before the suite's today."""
    day = last_sunday(TODAY.year, month)
    return day if day < TODAY - timedelta(days=2) else last_sunday(TODAY.year - 1, month)


# --- names and free text (pure) ----------------------------------------------------------------


@pytest.mark.parametrize("value", BAD_IN_NAMES.values(), ids=BAD_IN_NAMES.keys())
def test_names_refuse_what_would_print_or_display_wrongly(value: str) -> None:
    with pytest.raises(ValidationError) as info:
        require_text(value, "ward", kind=NAME)
    assert info.value.field == "ward"
    assert "names and codes must be one line of visible text" in info.value.reason
    assert "U+" in info.value.reason  # the offending character, by its code point
    # The message itself shows the character escaped, never raw.
    assert all(ch.isprintable() for ch in info.value.message)


def test_names_are_one_line_of_plain_spaces_in_nfc() -> None:
    assert require_text("  Ann\u00a0  Marie ", "given_name", kind=NAME) == "Ann Marie"
    assert require_text("Zoe\u0308", "given_name", kind=NAME) == "Zoë"  # composed
    assert require_text("Łukasz Ndlovu-Smith O'Neill", "x", kind=NAME) == (
        "Łukasz Ndlovu-Smith O'Neill"
    )
    assert optional_text("\u3000", "bed", kind=NAME) is None  # only a space


def test_free_text_keeps_line_breaks_and_tabs_and_drops_other_controls() -> None:
    raw = "Ring daughter\r\nabout the key safe\x00\tthen\rOT \x1b[31mhome visit\u202e\u2028done "
    assert require_text(raw, "note", kind=TEXT) == (
        "Ring daughter\nabout the key safe\tthen\nOT home visit\ndone"
    )
    assert optional_text("\x00\x1b", "note", kind=TEXT) is None


# --- every service, both backends -------------------------------------------------------------

Action = Callable[[Session], object]


def _name_refusals(db: Database) -> list[tuple[str, Action]]:
    spell = on_pathway(db, admit(db), "P1")
    provider = add_provider(db)
    bad = "Ev\x00il"

    def admitting(**kw: Any) -> Action:
        args: dict[str, Any] = {"site": "Leicester Royal Infirmary", "ward": "Ward 7"}
        details = {
            k: kw.pop(k)
            for k in list(kw)
            if k
            in (
                "family_name",
                "given_name",
                "postcode",
                "place",
                "ethnic_category",
                "gp_practice",
                "preferred_language",
            )
        }
        args.update(kw)
        return lambda s: spells.admit(
            s, patient=patient(50, **details), admitted_at=admitted(2), **args
        )

    def carer(**kw: Any) -> Action:
        return lambda s: care.add_carer(s, spell_id=spell.id, **({"name": "Ann"} | kw))

    return [
        ("family_name", admitting(family_name=bad)),
        ("given_name", admitting(given_name="Zo\u202eë")),
        ("postcode", admitting(postcode="LE1\n1AA")),
        ("gp_practice", admitting(gp_practice="Oak\x1b[0m Tree")),
        ("preferred_language", admitting(preferred_language="Pol\u200bish")),
        ("place", admitting(place="Leicester\x00")),
        ("ethnic_category", admitting(ethnic_category="A\x00")),
        ("site", admitting(site="Glenfield Hospital\x00")),
        ("ward", admitting(ward="Ward\t7")),
        ("bed", admitting(bed="B\x00")),
        ("specialty", admitting(specialty="Geri\u200batrics")),
        (
            "ward",
            lambda s: spells.transfer(
                s, spell_id=spell.id, expected_version=None, ward="Ward\r\n8"
            ),
        ),
        (
            "pathway",
            lambda s: spells.set_pathway(
                s, spell_id=spell.id, expected_version=None, pathway="P2\x00"
            ),
        ),
        (
            "delay_reason",
            lambda s: spells.set_delay_reason(
                s, spell_id=spell.id, expected_version=None, delay_reason="A13\x00"
            ),
        ),
        ("name", carer(name=bad)),
        ("relationship", carer(relationship="Daugh\u202eter")),
        ("contact", carer(contact="07700 900123\n")),
        ("language", carer(language="Urdu\x1b")),
        (
            "owner",
            lambda s: care.add_barrier(
                s, spell_id=spell.id, kind="transport", description="Ambulance", owner="EMAS\x00"
            ),
        ),
        (
            "with_whom",
            lambda s: care.log_contact(
                s,
                spell_id=spell.id,
                contact_at=admitted(1),
                with_whom="Ann\u2028Smith",
                method="phone",
                discussed="Plan",
            ),
        ),
        (
            "name",
            lambda s: hub.add_provider(
                s,
                code="1-000000901",
                name="=Reablement\x00",
                service_types=["reablement"],
                places=["E06000016"],
                capacity=1,
            ),
        ),
        (
            "phone",
            lambda s: hub.add_provider(
                s,
                code="1-000000902",
                name="New Ltd",
                service_types=["reablement"],
                places=["E06000016"],
                capacity=1,
                phone="0116\t496 0000",
            ),
        ),
        (
            "service_type",
            lambda s: hub.request_placement(
                s,
                spell_id=spell.id,
                expected_version=None,
                service_type="reablement\x00",
                provider_id=provider.id,
            ),
        ),
    ]


def test_every_service_refuses_such_names_naming_the_field(db: Database) -> None:
    for field, action in _name_refusals(db):
        err = refused(db, action, field=field)
        assert "must be one line of visible text" in str(err) or "NUL" in str(err), field


def test_free_text_is_kept_with_its_line_breaks_on_both_backends(db: Database) -> None:
    spell = admit(db)
    with db.unit_of_work("ward") as s:
        spells.set_next_action(
            s,
            spell_id=spell.id,
            expected_version=None,
            next_action="Ring daughter\r\nBook \x1b[1mtransport\x00\u202e",
        )
        entry = care.log_contact(
            s,
            spell_id=spell.id,
            contact_at=admitted(1),
            with_whom="Ann",
            method="phone",
            discussed="Key safe:\n\tcode agreed",
        )
        view = spells.get_spell(s, spell.id)
    assert view.next_action == "Ring daughter\nBook transport"
    assert entry.discussed == "Key safe:\n\tcode agreed"


# --- plausible dates ----------------------------------------------------------------------------


def test_implausible_dates_are_refused_with_the_reason(db: Database) -> None:
    spell = on_pathway(db, admit(db, days_ago=5), "P1")
    provider = add_provider(db)
    with db.unit_of_work("hub") as s:
        placement = hub.request_placement(
            s,
            spell_id=spell.id,
            expected_version=None,
            service_type="reablement",
            provider_id=provider.id,
        )
        for step in ("offered", "accepted"):
            placement = hub.advance_placement(
                s, placement_id=placement.id, expected_version=None, to_state=step
            )
        carer = care.add_carer(s, spell_id=spell.id, name="Ann")

    def admitting(*, born: date = date(1940, 5, 17), at: datetime | None = None) -> Action:
        return lambda s: spells.admit(
            s,
            patient=patient(60, date_of_birth=born),
            site="Glenfield Hospital",
            ward="Ward 1",
            admitted_at=at or admitted(2),
        )

    cases: list[tuple[str, str, Action]] = [
        ("date_of_birth", "before 01/01/1900", admitting(born=date(1899, 12, 31))),
        ("date_of_birth", "in the future", admitting(born=days(1))),
        ("admitted_at", "in the future", admitting(at=admitted(-1))),
        ("admitted_at", "more than ten years ago", admitting(at=admitted(4000))),
        (
            "edd",
            "more than a year after today",
            lambda s: spells.set_edd(
                s, spell_id=spell.id, expected_version=None, edd=date(9999, 1, 1), reason="x"
            ),
        ),
        (
            "edd",
            "more than a year after today",
            lambda s: spells.set_edd(
                s, spell_id=spell.id, expected_version=None, edd=days(400), reason="x"
            ),
        ),
        (
            "due_date",
            "more than a year after today",
            lambda s: care.add_barrier(
                s, spell_id=spell.id, kind="transport", description="x", due_date=days(400)
            ),
        ),
        (
            "next_contact_due",
            "more than a year after today",
            lambda s: care.log_contact(
                s,
                spell_id=spell.id,
                contact_at=admitted(1),
                with_whom="Ann",
                method="phone",
                discussed="x",
                next_contact_due=days(400),
            ),
        ),
        (
            "assessment_on",
            "before the admission",
            lambda s: care.record_carer_assessment(
                s, carer_id=carer.id, expected_version=None, status="offered", on=days(-6)
            ),
        ),
        (
            "assessment_on",
            "in the future",
            lambda s: care.record_carer_assessment(
                s, carer_id=carer.id, expected_version=None, status="offered", on=days(1)
            ),
        ),
        (
            "start_date",
            "more than a year after today",
            lambda s: hub.advance_placement(
                s,
                placement_id=placement.id,
                expected_version=None,
                to_state="start_confirmed",
                start_date=days(400),
            ),
        ),
        (
            "as_of",
            "in the future",
            lambda s: hub.set_vacancies(
                s,
                provider_id=provider.id,
                expected_version=None,
                vacancies=1,
                as_of=datetime.combine(days(1), time(9)),
            ),
        ),
    ]
    for field, reason, action in cases:
        err = refused(db, action, field=field)
        assert reason in str(err), (field, str(err))
    with db.unit_of_work("ward") as s:  # the edges that are plausible are accepted
        spells.set_edd(s, spell_id=spell.id, expected_version=None, edd=days(300), reason="x")
        spells.admit(
            s,
            patient=patient(61, date_of_birth=date(1900, 1, 1)),
            site="Glenfield Hospital",
            ward="Ward 1",
            admitted_at=admitted(3000),
        )


# --- UK times that never happened, and the repeated hour --------------------------------------


def test_the_hour_skipped_in_march_is_refused_and_the_repeated_october_hour_is_bst() -> None:
    spring, autumn = recent_clock_change(3), recent_clock_change(10)
    with pytest.raises(ValidationError) as info:
        parse_datetime(f"{spring:%d/%m/%Y} 01:30", "admitted_at")
    assert info.value.field == "admitted_at"
    assert "does not exist in UK time: the clocks went forward" in info.value.message
    for ok in ("00:59", "02:00"):
        assert parse_datetime(f"{spring:%d/%m/%Y} {ok}", "admitted_at") is not None
    with pytest.raises(ValidationError):
        uk_instant(datetime.combine(spring, time(1, 0)), "contact_at")
    check_uk_time(datetime.combine(spring, time(1, 30), tzinfo=UTC), "x")  # an instant exists
    # 01:30 on the last Sunday of October happens twice: read as the first, BST (+01:00).
    repeated = parse_datetime(f"{autumn:%d/%m/%Y} 01:30", "admitted_at")
    assert repeated is not None
    assert clock.as_utc(repeated) == datetime.combine(autumn, time(0, 30), tzinfo=UTC)
    assert uk_instant(repeated, "x").hour == 0


def test_services_refuse_a_time_the_clocks_skipped(db: Database) -> None:
    spring = recent_clock_change(3)
    skipped = datetime.combine(spring, time(1, 30))
    with db.unit_of_work("ward") as s:
        spell = spells.admit(
            s,
            patient=patient(70),
            site="Glenfield Hospital",
            ward="Ward 1",
            admitted_at=datetime.combine(spring - timedelta(days=1), time(9)),
        )
    for field, action in [
        (
            "admitted_at",
            lambda s: spells.admit(
                s,
                patient=patient(71),
                site="Glenfield Hospital",
                ward="Ward 1",
                admitted_at=skipped,
            ),
        ),
        (
            "contact_at",
            lambda s: care.log_contact(
                s,
                spell_id=spell.id,
                contact_at=skipped,
                with_whom="Ann",
                method="phone",
                discussed="x",
            ),
        ),
        (
            "discharged_at",
            lambda s: spells.discharge(
                s,
                spell_id=spell.id,
                expected_version=None,
                discharged_at=skipped,
                destination="19",
                method="1",
            ),
        ),
    ]:
        err = refused(db, action, field=field)
        assert "does not exist in UK time" in str(err)
