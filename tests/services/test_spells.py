"""Spell use cases on SQLite and PostgreSQL: happy paths, and every refusal writes nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from discharge_hub import clock
from discharge_hub.db import Database
from discharge_hub.errors import NotFoundError, ValidationError
from discharge_hub.models import Bed, Patient, Placement, Site
from discharge_hub.services import history, hub, spells
from discharge_hub.services.views import SpellView
from tests.conftest import TODAY, admitted, in_hours, patient, valid_nhs
from tests.core_support import (
    OTHER_SITE,
    SITE,
    Action,
    add_provider,
    admit,
    days,
    on_pathway,
    refused,
)


def current(db: Database, spell_id: int) -> SpellView:
    with db.read() as s:
        return spells.get_spell(s, spell_id)


def test_ensure_beds_creates_only_the_missing_beds_with_their_sort_keys(db: Database) -> None:
    with db.unit_of_work("alice") as s:
        site = s.scalars(select(Site).where(Site.name == SITE)).one()
        ward = spells.ensure_ward(s, site, "Ward 30")
        first = spells.ensure_bed(s, ward, "A2")
        assert first is not None
        first_id = first.id
        beds = spells.ensure_beds(s, ward, ["B10", "A2", " B2 "])
    assert [b.label for b in beds] == ["B10", "A2", "B2"]
    assert beds[1].id == first_id  # the bed already there, not a second A2
    with db.read() as s:
        rows = s.scalars(select(Bed).where(Bed.ward_id == ward.id).order_by(Bed.sort_key)).all()
        assert [b.label for b in rows] == ["A2", "B2", "B10"]  # natural order


def test_ensure_beds_refuses_a_bad_label_and_writes_nothing(db: Database) -> None:
    def action(s: Session) -> None:
        site = s.scalars(select(Site).where(Site.name == SITE)).one()
        ward = spells.ensure_ward(s, site, "Ward 31")
        spells.ensure_beds(s, ward, ["A1", "X" * 21])

    refused(db, action, field="bed")


# --- admit -------------------------------------------------------------------------


def test_admit_creates_patient_ward_bed_and_spell(db: Database) -> None:
    with db.unit_of_work("alice") as s:
        view = spells.admit(
            s,
            patient=patient(
                3,
                nhs_number=" "
                + valid_nhs(3)[:3]
                + " "
                + valid_nhs(3)[3:6]
                + "-"
                + valid_nhs(3)[6:],
                family_name="Ndlovu-Smith",
                given_name="Łukasz",
                ethnic_category="m",
                postcode="le1 5ww",
            ),
            site=SITE,
            ward="Ward 21",
            bed="B10",
            admitted_at=admitted(4),
            specialty="Geriatric medicine",
        )
    assert view.nhs_number == valid_nhs(3)
    assert (view.family_name, view.given_name) == ("Ndlovu-Smith", "Łukasz")
    assert (view.site, view.ward, view.bed) == (SITE, "Ward 21", "B10")
    assert view.admitted_at == clock.as_utc(admitted(4))
    assert view.specialty == "Geriatric medicine"
    assert view.edd is None and view.pathway is None and view.discharged_at is None
    assert view.version == 1 and view.updated_by == "alice"
    with db.read() as s:
        person = s.scalars(select(Patient).where(Patient.nhs_number == valid_nhs(3))).one()
        assert (person.ethnic_category_code, person.postcode) == ("M", "LE1 5WW")
        assert person.place_code == "E06000016"
        found = spells.find_spell(s, valid_nhs(3)[:3] + " " + valid_nhs(3)[3:])
    assert found == view


def test_admit_again_after_discharge_updates_demographics(db: Database) -> None:
    first = admit(db, 1, days_ago=20)
    with db.unit_of_work("alice") as s:
        spells.discharge(
            s,
            spell_id=first.id,
            expected_version=first.version,
            discharged_at=admitted(15),
            destination="19",
            method="1",
        )
    second = admit(db, 1, days_ago=2, family_name="O'Brien", ward="Ward 8")
    assert second.id != first.id and second.patient_id == first.patient_id
    assert second.family_name == "O'Brien"
    with db.read() as s:
        assert spells.find_spell(s, valid_nhs(1)) == spells.get_spell(s, second.id)
        assert spells.find_spell(s, valid_nhs(99)) is None


def test_admit_refusals_write_nothing(db: Database) -> None:
    existing = admit(db, 0)

    def admitting(
        n: int = 1,
        site: str = SITE,
        when: datetime | None = None,
        ward: str = "W1",
        **overrides: object,
    ) -> Action:
        return lambda s: spells.admit(
            s,
            patient=patient(n, **overrides),
            site=site,
            ward=ward,
            bed="X1",
            admitted_at=when or admitted(2),
        )

    bad_number = valid_nhs(1)[:9] + str((int(valid_nhs(1)[9]) + 1) % 10)
    err = refused(db, admitting(nhs_number=bad_number), field="nhs_number")
    assert f"'{bad_number[:3]} {bad_number[3:6]} {bad_number[6:]}'" in str(err)
    refused(db, admitting(nhs_number="12345"), field="nhs_number")
    assert "not a known site" in str(refused(db, admitting(site="St Elsewhere"), field="site"))
    refused(db, admitting(ward="  "), field="ward")
    refused(db, admitting(place="Narnia"), field="place")
    refused(db, admitting(ethnic_category="QQ"), field="ethnic_category")
    refused(db, admitting(sex="X"), field="sex")
    refused(db, admitting(family_name=""), field="family_name")
    refused(db, admitting(date_of_birth=TODAY + timedelta(days=1)), field="date_of_birth")
    refused(db, admitting(date_of_birth=TODAY - timedelta(days=1)), field="date_of_birth")
    refused(db, admitting(when=in_hours(2)), field="admitted_at")
    # The same patient cannot have two open spells, and the refused admission does not
    # even update their demographics.
    err = refused(db, admitting(0, family_name="Changed"), field="nhs_number")
    assert "already has an open spell" in str(err)
    assert current(db, existing.id).family_name == "O'Neill"
    with db.read() as s, pytest.raises(NotFoundError, match="No spell with id 424242"):
        spells.get_spell(s, 424242)
    with db.read() as s, pytest.raises(ValidationError):
        spells.find_spell(s, "not a number")


# --- transfer ------------------------------------------------------------------------


def test_transfer_moves_ward_bed_and_site(db: Database) -> None:
    spell = admit(db)
    with db.unit_of_work("bob") as s:
        moved = spells.transfer(
            s, spell_id=spell.id, expected_version=spell.version, ward="Ward 9", bed="C2"
        )
    assert (moved.site, moved.ward, moved.bed, moved.version) == (SITE, "Ward 9", "C2", 2)
    with db.unit_of_work("bob") as s:
        moved = spells.transfer(
            s, spell_id=spell.id, expected_version=moved.version, site=OTHER_SITE, ward="Ward 30"
        )
    assert (moved.site, moved.ward, moved.bed) == (OTHER_SITE, "Ward 30", None)
    refused(
        db,
        lambda s: spells.transfer(
            s, spell_id=spell.id, expected_version=None, site="Nowhere", ward="W"
        ),
        field="site",
    )
    refused(
        db,
        lambda s: spells.transfer(
            s, spell_id=spell.id, expected_version=None, ward="W", bed="B" * 21
        ),
        field="bed",
    )
    refused(
        db,
        lambda s: spells.transfer(s, spell_id=10_000, expected_version=None, ward="W"),
        field="",
        error=NotFoundError,
    )


# --- EDD -----------------------------------------------------------------------------


def test_set_edd_keeps_every_change_with_reason_and_who(db: Database) -> None:
    spell = admit(db, days_ago=5)
    with db.unit_of_work("alice") as s:
        v = spells.set_edd(
            s, spell_id=spell.id, expected_version=spell.version, edd=days(2), reason="Board round"
        )
    with db.unit_of_work("bob") as s:
        v = spells.set_edd(
            s,
            spell_id=spell.id,
            expected_version=v.version,
            edd=days(4),
            reason="  Awaiting echo  ",
        )
    # The same date again is no change: no history row, no new version.
    with db.unit_of_work("bob") as s:
        same = spells.set_edd(
            s, spell_id=spell.id, expected_version=v.version, edd=days(4), reason="again"
        )
    assert same.version == v.version == 3 and same.edd == days(4)
    with db.read() as s:
        changes = history.edd_history(s, spell.id)
    assert [(c.old_edd, c.new_edd, c.reason, c.changed_by) for c in changes] == [
        (None, days(2), "Board round", "alice"),
        (days(2), days(4), "Awaiting echo", "bob"),
    ]
    # The admission day is a valid EDD.
    with db.unit_of_work("bob") as s:
        assert spells.set_edd(
            s, spell_id=spell.id, expected_version=None, edd=days(-5), reason="Went well"
        ).edd == days(-5)


def test_set_edd_refusals_write_nothing(db: Database) -> None:
    spell = admit(db, days_ago=5)

    def edd(on: date, reason: str | None = "ok", spell_id: int = spell.id) -> Action:
        return lambda s: spells.set_edd(
            s, spell_id=spell_id, expected_version=spell.version, edd=on, reason=reason
        )  # type: ignore[arg-type]

    err = refused(db, edd(days(-6)), field="edd")
    assert f"before the admission on {days(-5):%d/%m/%Y}" in str(err)
    for missing in ("", "   ", None):
        assert "is required" in str(refused(db, edd(days(3), missing), field="reason"))
    refused(db, edd(days(3), "x" * 501), field="reason")
    refused(db, edd(days(3), spell_id=999), field="", error=NotFoundError)


# --- pathway, delay reason, next action, handover ------------------------------------------


def test_pathway_delay_reason_next_action_and_handover_notes(db: Database) -> None:
    spell = admit(db)
    v = on_pathway(db, spell, "P2")
    assert v.pathway == "P2"
    with db.unit_of_work("alice") as s:
        v = spells.set_delay_reason(
            s, spell_id=spell.id, expected_version=v.version, delay_reason=" a14 "
        )
        assert v.delay_reason == "A14"
        v = spells.set_next_action(
            s, spell_id=spell.id, expected_version=v.version, next_action=" Chase rehab bed "
        )
        assert v.next_action == "Chase rehab bed"
        v = spells.update_handover_notes(
            s,
            spell_id=spell.id,
            expected_version=v.version,
            patient_wishes="Wants to go home to Oakham",
            safety_alerts="  ",
        )
    with db.unit_of_work("alice") as s:
        v = spells.set_delay_reason(
            s, spell_id=spell.id, expected_version=v.version, delay_reason=None
        )
        v = spells.set_next_action(s, spell_id=spell.id, expected_version=v.version, next_action="")
        v = spells.set_pathway(s, spell_id=spell.id, expected_version=v.version, pathway=None)
    assert (v.delay_reason, v.next_action, v.pathway) == (None, None, None)
    with db.read() as s:
        trail = history.audit_trail(s, spell.id)
    changed = {(a.field, a.new_value) for a in trail if a.entity == "spell"}
    assert ("patient_wishes", "Wants to go home to Oakham") in changed
    assert not any(a.field == "safety_alerts" for a in trail)


def test_pathway_delay_reason_and_note_refusals_write_nothing(db: Database) -> None:
    spell = admit(db)
    refused(
        db,
        lambda s: spells.set_pathway(s, spell_id=spell.id, expected_version=None, pathway="P9"),
        field="pathway",
    )
    refused(
        db,
        lambda s: spells.set_delay_reason(
            s, spell_id=spell.id, expected_version=None, delay_reason="Z99"
        ),
        field="delay_reason",
    )
    refused(
        db,
        lambda s: spells.set_next_action(
            s, spell_id=spell.id, expected_version=None, next_action="x" * 501
        ),
        field="next_action",
    )
    refused(
        db,
        lambda s: spells.update_handover_notes(
            s, spell_id=spell.id, expected_version=None, gossip="x"
        ),
        field="gossip",
    )


def test_pathway_cannot_become_p0_while_a_hub_placement_is_active(db: Database) -> None:
    spell = on_pathway(db, admit(db), "P1")
    with db.unit_of_work("hub") as s:
        placement = hub.request_placement(
            s, spell_id=spell.id, expected_version=None, service_type="reablement"
        )
    err = refused(
        db,
        lambda s: spells.set_pathway(s, spell_id=spell.id, expected_version=None, pathway="P0"),
        field="pathway",
    )
    assert "open hub placement" in str(err)
    with db.unit_of_work("hub") as s:
        hub.advance_placement(
            s,
            placement_id=placement.id,
            expected_version=None,
            to_state="cancelled",
            reason="Family will care",
        )
        assert (
            spells.set_pathway(s, spell_id=spell.id, expected_version=None, pathway="P0").pathway
            == "P0"
        )


# --- discharge ----------------------------------------------------------------------------


def test_discharge_closes_the_spell_and_starts_confirmed_placements(db: Database) -> None:
    spell = on_pathway(db, admit(db, days_ago=9), "P1")
    provider = add_provider(db)
    with db.unit_of_work("hub") as s:
        p = hub.request_placement(
            s,
            spell_id=spell.id,
            expected_version=None,
            service_type="reablement",
            provider_id=provider.id,
        )
        for state in ("offered", "accepted"):
            p = hub.advance_placement(
                s, placement_id=p.id, expected_version=p.version, to_state=state
            )
        p = hub.advance_placement(
            s,
            placement_id=p.id,
            expected_version=p.version,
            to_state="start_confirmed",
            start_date=TODAY,
        )
    when = datetime.combine(TODAY, datetime.min.time()).replace(hour=0, minute=5)
    with db.unit_of_work("carol") as s:
        version = spells.get_spell(s, spell.id).version
        done = spells.discharge(
            s,
            spell_id=spell.id,
            expected_version=version,
            discharged_at=when,
            destination="19",
            method="1",
        )
    assert done.discharged_at == clock.as_utc(when)
    assert (done.destination, done.method, done.pathway) == ("19", "1", "P1")
    with db.read() as s:
        row = s.get(Placement, p.id)
        assert row is not None and row.state == "started" and row.started_at is not None
    # A discharged spell takes no more changes.
    for action in (
        lambda s: spells.set_edd(
            s, spell_id=spell.id, expected_version=None, edd=TODAY, reason="x"
        ),
        lambda s: spells.set_pathway(s, spell_id=spell.id, expected_version=None, pathway="P2"),
        lambda s: spells.transfer(s, spell_id=spell.id, expected_version=None, ward="W2"),
        lambda s: spells.discharge(
            s,
            spell_id=spell.id,
            expected_version=None,
            discharged_at=when,
            destination="19",
            method="1",
        ),
    ):
        assert "already discharged" in str(refused(db, action, field="spell"))


def test_discharge_refusals_write_nothing(db: Database) -> None:
    spell = admit(db, days_ago=3)

    def leaving(
        when: datetime, destination: str = "19", method: str = "1", pathway: str | None = None
    ) -> Action:
        return lambda s: spells.discharge(
            s,
            spell_id=spell.id,
            expected_version=spell.version,
            discharged_at=when,
            destination=destination,
            method=method,
            pathway=pathway,
        )

    err = refused(db, leaving(admitted(3) - timedelta(minutes=1)), field="discharged_at")
    assert "before the admission" in str(err)
    refused(db, leaving(in_hours(3)), field="discharged_at")
    refused(db, leaving(admitted(1), destination="00"), field="destination")
    refused(db, leaving(admitted(1), method="7"), field="method")
    refused(db, leaving(admitted(1), pathway="P7"), field="pathway")
    assert current(db, spell.id).discharged_at is None
