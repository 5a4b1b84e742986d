"""The PAS feed (issue 14): HL7 v2.4 ADT messages applied through the services, on SQLite
and PostgreSQL, at the frozen clock."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from discharge_hub import adt, clock
from discharge_hub.adt import messages
from discharge_hub.adt.rows import Writes
from discharge_hub.db import Database
from discharge_hub.models import (
    AdtMessage,
    AuditEntry,
    Patient,
    Placement,
    Site,
    Spell,
    SpellFact,
    Ward,
)
from discharge_hub.models.fact import LOCATION
from discharge_hub.reports import sitrep
from discharge_hub.services import care, hub, placements, spells
from tests.adt_support import GLENFIELD, LRI, Person, as_file, dtm, install_map, message, uk_at
from tests.conftest import valid_nhs

ADMIT, MOVE, LEAVE = uk_at(6, 10), uk_at(3, 14), uk_at(1, 15)
EDD = clock.today() + timedelta(days=6)
ALICE = Person(valid_nhs(1))


def journey(who: Person = ALICE, prefix: str = "J") -> list[str]:
    """Admit to LRI Ward 7, transfer to Glenfield Ward 1, discharge home."""
    return [
        message("A01", f"{prefix}0001", who, at=ADMIT, admitted_at=ADMIT, bed="12", room="B"),
        message(
            "A02",
            f"{prefix}0002",
            who,
            at=MOVE,
            location="RWE-GW1",
            bed="3",
            facility="RGL",
            admitted_at=ADMIT,
        ),  # fmt: skip
        message(
            "A03",
            f"{prefix}0003",
            who,
            at=LEAVE,
            location="RWE-GW1",
            bed="3",
            admitted_at=ADMIT,
            discharged_at=LEAVE,
            disposition="1",
            destination="19",
        ),  # fmt: skip
    ]


def feed(db: Database, tmp_path: Path, msgs: list[str], *, variant: str = "CR",
         name: str = "feed.hl7", create_wards: bool = False) -> adt.FeedResult:  # fmt: skip
    path = tmp_path / name
    path.write_bytes(as_file(msgs, variant=variant))
    return adt.import_files(db, [path], actor="pas feed", create_wards=create_wards)


def ward_history(s: Session, nhs: str) -> list[tuple[str, str, str | None, datetime]]:
    rows = s.execute(
        select(Site.name, Ward.name, SpellFact.bed_id, SpellFact.valid_from)
        .join(Spell, Spell.id == SpellFact.spell_id)
        .join(Patient, Patient.id == Spell.patient_id)
        .join(Site, Site.id == SpellFact.site_id)
        .join(Ward, Ward.id == SpellFact.ward_id)
        .where(Patient.nhs_number == nhs, SpellFact.kind == LOCATION)
        .order_by(SpellFact.valid_from)
    ).all()
    return [(site, ward, None, since) for site, ward, _bed, since in rows]


def spells_of(s: Session, nhs: str) -> list[Spell]:
    return list(
        s.scalars(select(Spell).join(Patient).where(Patient.nhs_number == nhs).order_by(Spell.id))
    )


def counts(db: Database) -> dict[str, int]:
    with db.read() as s:
        return {
            m.__tablename__: int(s.scalar(select(func.count()).select_from(m)) or 0)
            for m in (Patient, Spell, SpellFact, AuditEntry, AdtMessage, Ward)
        }


@pytest.fixture
def mapped(db: Database) -> Database:
    install_map(db)
    return db


# --- admit → transfer → discharge ------------------------------------------------------


def test_admit_transfer_discharge_leaves_one_discharged_spell_with_its_ward_history(
    mapped: Database, tmp_path: Path
) -> None:
    result = feed(mapped, tmp_path, journey())
    assert (dict(result.applied), result.duplicates, result.rejected) == (
        {"A01": 1, "A02": 1, "A03": 1}, 0, [],
    )  # fmt: skip
    with mapped.read() as s:
        [spell] = spells_of(s, ALICE.nhs)
        assert spell.discharged_at == LEAVE and spell.admitted_at == ADMIT
        assert (spell.site.name, spell.ward.name, spell.bed.label if spell.bed else None) == (
            GLENFIELD, "Ward 1", "3",
        )  # fmt: skip
        assert (spell.destination_code, spell.method_code) == ("19", "1")
        assert [(site, ward, since) for site, ward, _b, since in ward_history(s, ALICE.nhs)] == [
            (LRI, "Ward 7", ADMIT),
            (GLENFIELD, "Ward 1", MOVE),
        ]
        patient = s.scalars(select(Patient).where(Patient.nhs_number == ALICE.nhs)).one()
        assert (patient.family_name, patient.given_name, patient.date_of_birth) == (
            "TESTPATIENT", "ALICE", date(1938, 3, 14),
        )  # fmt: skip
        assert (patient.sex, patient.postcode) == ("F", "LE1 5WW")


def test_a_transfer_between_sites_moves_the_patient_in_the_sitrep_of_each_day(
    mapped: Database, tmp_path: Path
) -> None:
    feed(mapped, tmp_path, journey()[:2])  # admitted, moved on 21 Nov, still in

    def inpatients(day: date) -> dict[str, int]:
        with mapped.read() as s:
            rows = sitrep.sitrep(s, on=day)
        return {r.site: r.value for r in rows if r.measure == "inpatients" and not r.breakdown}

    before, after = (
        inpatients(clock.local_date(MOVE) - timedelta(days=1)),
        inpatients(clock.local_date(MOVE) + timedelta(days=1)),
    )
    assert (before.get(LRI, 0), before.get(GLENFIELD, 0)) == (1, 0)
    assert (after.get(LRI, 0), after.get(GLENFIELD, 0)) == (0, 1)


def test_a_transfer_imported_late_holds_from_its_event_time_not_the_import(
    mapped: Database, tmp_path: Path
) -> None:
    feed(mapped, tmp_path, journey()[:2])
    with mapped.read() as s:
        moved = [since for site, _w, _b, since in ward_history(s, ALICE.nhs) if site == GLENFIELD]
    assert moved == [MOVE]  # the EVN-6 time, days before the frozen "now" of the import


# --- at most once -----------------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing(mapped: Database, tmp_path: Path) -> None:
    feed(mapped, tmp_path, journey())
    before = counts(mapped)
    with mapped.read() as s:
        spell = spells_of(s, ALICE.nhs)[0]
        version = spell.version
    again = feed(mapped, tmp_path, journey())
    assert (again.total_applied, again.duplicates, again.rejected) == (0, 3, [])
    assert counts(mapped) == before
    with mapped.read() as s:
        assert spells_of(s, ALICE.nhs)[0].version == version


def test_a_message_repeated_within_one_file_is_applied_once(
    mapped: Database, tmp_path: Path
) -> None:
    first = journey()[0]
    result = feed(mapped, tmp_path, [first, first])
    assert (result.total_applied, result.duplicates, result.rejected) == (1, 1, [])
    with mapped.read() as s:
        assert len(spells_of(s, ALICE.nhs)) == 1


# --- cancellations ----------------------------------------------------------------------


def test_a11_removes_an_admission(mapped: Database, tmp_path: Path) -> None:
    feed(mapped, tmp_path, journey()[:1])
    cancel = message("A11", "J0011", ALICE, at=ADMIT + timedelta(hours=2), admitted_at=ADMIT)
    result = feed(mapped, tmp_path, [cancel], name="cancel.hl7")
    assert (dict(result.applied), result.rejected) == ({"A11": 1}, [])
    with mapped.read() as s:
        assert spells_of(s, ALICE.nhs) == []
        assert ward_history(s, ALICE.nhs) == []
        assert s.get(AdtMessage, "J0011") is not None
    # The patient can be admitted again (no open spell left behind).
    readmit = message("A01", "J0012", ALICE, at=MOVE, admitted_at=MOVE)
    assert feed(mapped, tmp_path, [readmit], name="again.hl7").total_applied == 1


def test_a11_is_refused_when_the_hub_has_recorded_work_on_the_admission(
    mapped: Database, tmp_path: Path
) -> None:
    feed(mapped, tmp_path, journey()[:1])
    with mapped.read() as s:
        sid = spells_of(s, ALICE.nhs)[0].id
    with mapped.unit_of_work("coordinator") as s:
        spells.set_edd(s, spell_id=sid, expected_version=None, edd=EDD,
                       reason="Awaiting therapy")  # fmt: skip
    cancel = message("A11", "J0011", ALICE, at=MOVE, admitted_at=ADMIT)
    result = feed(mapped, tmp_path, [cancel], name="cancel.hl7")
    [rejected] = result.rejected
    assert rejected.control_id == "J0011" and "an EDD" in rejected.reason
    with mapped.read() as s:
        assert [sp.edd for sp in spells_of(s, ALICE.nhs)] == [EDD]
        assert s.get(AdtMessage, "J0011") is None  # not applied: a resend is tried again


def test_a13_reopens_a_discharge(mapped: Database, tmp_path: Path) -> None:
    feed(mapped, tmp_path, journey())
    undo = message("A13", "J0013", ALICE, at=LEAVE + timedelta(hours=1), location="RWE-GW1",
                   admitted_at=ADMIT)  # fmt: skip
    result = feed(mapped, tmp_path, [undo], name="undo.hl7")
    assert (dict(result.applied), result.rejected) == ({"A13": 1}, [])
    with mapped.read() as s:
        [spell] = spells_of(s, ALICE.nhs)
        assert (spell.discharged_at, spell.destination_code, spell.method_code) == (
            None, None, None,
        )  # fmt: skip
        assert spell.ward.name == "Ward 1"
    with mapped.read() as s:
        rows = sitrep.sitrep(s, on=clock.local_date(LEAVE))
    assert not [r for r in rows if r.measure == "discharged" and r.value]


def test_a13_is_refused_for_a_patient_in_hospital(mapped: Database, tmp_path: Path) -> None:
    feed(mapped, tmp_path, journey()[:1])
    undo = message("A13", "J0013", ALICE, at=MOVE, admitted_at=ADMIT)
    [rejected] = feed(mapped, tmp_path, [undo], name="undo.hl7").rejected
    assert rejected.control_id == "J0013" and "not discharged" in rejected.reason


# --- file variants ----------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["CR", "LF", "CRLF", "MLLP"])
def test_segment_ends_and_mllp_framing_give_the_same_result(
    mapped: Database, tmp_path: Path, variant: str
) -> None:
    result = feed(mapped, tmp_path, journey(), variant=variant)
    assert (dict(result.applied), result.rejected) == ({"A01": 1, "A02": 1, "A03": 1}, [])
    with mapped.read() as s:
        [spell] = spells_of(s, ALICE.nhs)
        assert (spell.discharged_at, spell.ward.name, spell.bed.label if spell.bed else None) == (
            LEAVE, "Ward 1", "3",
        )  # fmt: skip
        assert [(site, since) for site, _w, _b, since in ward_history(s, ALICE.nhs)] == [
            (LRI, ADMIT), (GLENFIELD, MOVE),
        ]  # fmt: skip


def test_every_variant_reads_as_the_same_messages() -> None:
    msgs = journey()
    wrapped = "FHS|^~\\&|PAS\rBHS|^~\\&|PAS\r" + "".join(msgs) + "BTS|3\rFTS|1\r"
    expected = list(messages.read(as_file(msgs)))
    assert [m.control_id for m in expected] == ["J0001", "J0002", "J0003"]  # type: ignore[union-attr]
    for variant in ("LF", "CRLF", "MLLP"):
        assert list(messages.read(as_file(msgs, variant=variant))) == expected, variant
    assert list(messages.read(wrapped.encode())) == expected
    assert list(messages.read(wrapped.replace("\r", "\r\n").encode())) == expected


def test_the_character_set_of_msh_18_is_used(mapped: Database, tmp_path: Path) -> None:
    zoe = Person(valid_nhs(2), family="BRONTË", given="ZOË")
    latin1 = message("A01", "C0001", zoe, at=ADMIT, admitted_at=ADMIT, charset="8859/1")
    path = tmp_path / "latin1.hl7"
    path.write_bytes(latin1.encode("latin-1"))
    result = adt.import_files(mapped, [path], actor="pas feed")
    assert (result.total_applied, result.rejected) == (1, [])
    with mapped.read() as s:
        patient = s.scalars(select(Patient).where(Patient.nhs_number == zoe.nhs)).one()
        assert (patient.family_name, patient.given_name) == ("BRONTË", "ZOË")


# --- good and bad messages together ------------------------------------------------------


def test_a_mixed_file_applies_the_good_messages_and_reports_each_bad_one(
    mapped: Database, tmp_path: Path
) -> None:
    bob = Person(valid_nhs(3), given="BOB", sex="M")
    bad_check = ALICE.nhs[:9] + str((int(ALICE.nhs[9]) + 1) % 10)
    msgs = [
        message("A01", "M0001", ALICE, at=ADMIT, admitted_at=ADMIT),
        message("A01", "M0002", Person(bad_check), at=ADMIT, admitted_at=ADMIT),
        message("A01", "M0003", ALICE, at=ADMIT, admitted_at=ADMIT, nhs_field="RWE1^^^RWE^MR"),
        message("A01", "M0004", bob, at=ADMIT, admitted_at=ADMIT).replace(
            f"|{dtm(ADMIT)}|\r",
            "|2026111810|\r",  # PV1-44 to the hour only
        ),
        message("A01", "M0005", bob, at=ADMIT, admitted_at=ADMIT, location="NOWHERE"),
        message("A05", "M0006", bob, at=ADMIT, admitted_at=ADMIT),
        message("A02", "M0007", ALICE, at=MOVE, location="RWE-W15", admitted_at=ADMIT),
        message("A02", "M0008", bob, at=MOVE, location="RWE-W15", admitted_at=ADMIT),
    ]
    result = feed(mapped, tmp_path, msgs)
    assert dict(result.applied) == {"A01": 1, "A02": 1}
    reasons = {r.control_id: r.reason for r in result.rejected}
    assert sorted(reasons) == ["M0002", "M0003", "M0004", "M0005", "M0008"]
    assert "check digit" in reasons["M0002"] or "not a valid" in reasons["M0002"]
    assert "no NHS number" in reasons["M0003"]
    assert "PV1-44" in reasons["M0004"]
    assert "unknown location 'NOWHERE'" in reasons["M0005"]
    assert "no open admission" in reasons["M0008"]
    assert [r.control_id for r in result.rejected] == ["M0002", "M0003", "M0004", "M0005", "M0008"]
    assert [(s.control_id, s.number) for s in result.skipped] == [("M0006", 6)]
    with mapped.read() as s:
        [spell] = spells_of(s, ALICE.nhs)
        assert spell.ward.name == "Ward 15"
        assert spells_of(s, bob.nhs) == []
        assert s.scalars(select(AdtMessage.control_id).order_by(AdtMessage.control_id)).all() == [
            "M0001", "M0007",
        ]  # fmt: skip


def test_create_wards_adds_an_unknown_ward_at_the_facility_s_site(
    db: Database, tmp_path: Path
) -> None:
    first = message("A01", "W0001", ALICE, at=ADMIT, admitted_at=ADMIT, location="NEWWARD",
                    facility=LRI)  # fmt: skip
    refused = feed(db, tmp_path, [first])
    assert [r.control_id for r in refused.rejected] == ["W0001"]
    created = feed(db, tmp_path, [first], create_wards=True)
    assert (created.total_applied, created.rejected) == (1, [])
    with db.read() as s:
        [spell] = spells_of(s, ALICE.nhs)
        assert (spell.site.name, spell.ward.name) == (LRI, "NEWWARD")


# --- the hub's work survives the feed -----------------------------------------------------


def test_hub_data_on_the_spell_survives_a02_and_a08(mapped: Database, tmp_path: Path) -> None:
    feed(mapped, tmp_path, journey()[:1])
    with mapped.read() as s:
        sid = spells_of(s, ALICE.nhs)[0].id
    with mapped.unit_of_work("coordinator") as s:
        spells.set_edd(s, spell_id=sid, expected_version=None, edd=EDD,
                       reason="Awaiting package")  # fmt: skip
        spells.set_pathway(s, spell_id=sid, expected_version=None, pathway="P1")
        spells.set_next_action(s, spell_id=sid, expected_version=None, next_action="Call home")
        hub.request_placement(s, spell_id=sid, expected_version=None, service_type="reablement")
        care.add_carer(s, spell_id=sid, name="Sam Carer", relationship="Son")
        care.add_barrier(s, spell_id=sid, kind="transport", description="Needs ambulance")
        patient = s.scalars(select(Patient).where(Patient.nhs_number == ALICE.nhs)).one()
        patient.gp_practice, patient.place_code = "Highfields Surgery", "E06000016"
        patient.preferred_language = "Gujarati"
    renamed = Person(ALICE.nhs, family="NEWNAME", postcode="LE2 7LX")
    result = feed(mapped, tmp_path, [
        message("A02", "H0002", ALICE, at=MOVE, location="RWE-GW1", bed="3", admitted_at=ADMIT),
        message("A08", "H0003", renamed, at=MOVE + timedelta(hours=1), location="RWE-GW1"),
    ], name="more.hl7")  # fmt: skip
    assert (dict(result.applied), result.rejected) == ({"A02": 1, "A08": 1}, [])
    with mapped.read() as s:
        [spell] = spells_of(s, ALICE.nhs)
        assert (spell.ward.name, spell.edd, spell.pathway_code, spell.next_action) == (
            "Ward 1", EDD, "P1", "Call home",
        )  # fmt: skip
        assert spells.get_spell(s, sid).pathway == "P1"
        assert [p.state for p in placements.placements_for(s, sid)] == ["requested"]
        assert [c.name for c in care.carers_for(s, sid)] == ["Sam Carer"]
        assert [b.description for b in care.barriers_for(s, sid)] == ["Needs ambulance"]
        p = spell.patient
        assert (p.family_name, p.given_name, p.postcode) == ("NEWNAME", "ALICE", "LE2 7LX")
        assert (p.gp_practice, p.place_code, p.preferred_language) == (
            "Highfields Surgery", "E06000016", "Gujarati",
        )  # fmt: skip


def test_discharge_codes_from_pas_are_mapped_to_the_data_dictionary() -> None:
    from discharge_hub.adt.apply import dd_code

    assert [dd_code("destination", c) for c in ("19", "NH", "home", "", "ZZ")] == [
        "19", "55", "19", "99", "99",
    ]  # fmt: skip
    assert [dd_code("method", c) for c in ("1", "01", "DIED", "", "ZZ")] == [
        "1", "1", "4", "9", "9",
    ]  # fmt: skip


def test_a08_for_a_patient_the_hub_does_not_know_creates_no_record(
    mapped: Database, tmp_path: Path
) -> None:
    stranger = Person(valid_nhs(4), family="OUTPATIENT")
    result = feed(mapped, tmp_path, [message("A08", "O0001", stranger, at=MOVE)])
    assert (dict(result.applied), result.rejected) == ({"A08": 1}, [])
    with mapped.read() as s:
        assert s.scalars(select(Patient).where(Patient.nhs_number == stranger.nhs)).all() == []


def test_the_feed_announces_the_spells_it_changed_so_other_pcs_refresh(
    mapped: Database, db_url: str, tmp_path: Path
) -> None:
    from discharge_hub import changes
    from tests.live_support import announcements

    with announcements(mapped, db_url) as heard:
        feed(mapped, tmp_path, journey()[:2])
        with mapped.read() as s:
            sid = spells_of(s, ALICE.nhs)[0].id
        assert heard.since() == [changes.Change(frozenset({sid}))]  # one batch, one notice
        feed(mapped, tmp_path, journey()[:2])  # all duplicates: nothing changed
        assert heard.since() == []


# --- the fast route (adt/fast.py) against the services ---------------------------------


def _trail(s: Session, nhs: str, tag: str) -> dict[str, object]:
    """What a patient's messages left: patient, spells, facts, audit trail, message
    records (ids and what names the patient left out, so two patients' trails compare)."""
    person = s.scalars(select(Patient).where(Patient.nhs_number == nhs)).one()
    spell_ids = [sp.id for sp in spells_of(s, nhs)]
    skip = {"id", "patient_id", "spell_id", "nhs_number", "created_at", "updated_at",
            "recorded_at"}  # fmt: skip

    def cols(obj: object) -> dict[str, object]:
        keys = (a.key for a in inspect(obj).mapper.column_attrs)
        return {k: getattr(obj, k) for k in keys if k not in skip}

    audit = s.scalars(
        select(AuditEntry).where(
            (AuditEntry.spell_id.in_(spell_ids))
            | ((AuditEntry.entity == "patient") & (AuditEntry.entity_id == person.id))
        )
    )
    facts = s.scalars(
        select(SpellFact).where(SpellFact.spell_id.in_(spell_ids)).order_by(SpellFact.id)
    )
    records = s.scalars(select(AdtMessage).where(AdtMessage.control_id.like(f"{tag}%")))
    return {
        "patient": cols(person),
        "spells": [cols(sp) for sp in spells_of(s, nhs)],
        "facts": [cols(f) for f in facts],
        "audit": sorted(
            (a.action, a.entity, a.field, a.old_value, a.new_value, a.version, a.actor)
            for a in audit
            if a.field not in ("patient_id", "nhs_number")
        ),
        "messages": sorted(
            (m.control_id[1:], m.event, m.spell_id in spell_ids, m.applied_by) for m in records
        ),
    }


def test_the_fast_route_leaves_what_the_services_leave(
    mapped: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same messages for three patients through the services, and for three
    others by the fast route (no message left to the services; the patients
    interleaved, so their changes share flushes): the same rows, facts and audit."""
    slow = [Person(valid_nhs(n)) for n in (11, 12, 13)]
    quick = [Person(valid_nhs(n)) for n in (14, 15, 16)]

    def story(people: list[Person], tag: str) -> Path:
        steps: list[list[str]] = [[], [], [], []]
        for n, who in enumerate(people):
            moved = Person(who.nhs, family="UPDATED", postcode="LE5 1AA")
            update = message("A08", f"{tag}{n}J0004", moved, at=LEAVE - timedelta(hours=2),
                             location="RWE-GW1", bed="3")  # fmt: skip
            admit, move, leave = journey(who, f"{tag}{n}J")
            for step, msg in zip(steps, (admit, move, update, leave), strict=True):
                step.append(msg)
        path = tmp_path / f"{tag}.hl7"
        path.write_bytes(as_file([m for step in steps for m in step]))
        return path

    before = adt.import_files(mapped, [story(slow, "S")], actor="pas feed", fast=False)
    services: list[object] = []
    original = adt.feed._through_services

    def counted(*args: object) -> None:
        services.append(args)
        original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(adt.feed, "_through_services", counted)
    after = adt.import_files(mapped, [story(quick, "Q")], actor="pas feed")
    assert services == []  # every message of the other patients took the fast route
    assert before.summary() == after.summary()
    assert after.applied == {"A01": 3, "A02": 3, "A08": 3, "A03": 3}
    with mapped.read() as s:
        for n, (one, other) in enumerate(zip(slow, quick, strict=True)):
            slow_trail, quick_trail = _trail(s, one.nhs, f"S{n}"), _trail(s, other.nhs, f"Q{n}")
            assert quick_trail["facts"] and quick_trail["audit"] and quick_trail["messages"]
            assert quick_trail == slow_trail


def test_a_reject_reason_names_the_field_and_the_problem_not_the_patients_identifiers(
    mapped: Database, tmp_path: Path
) -> None:
    """The reasons are printed (stderr) and logged: an NHS number or a date of birth
    that breaks a rule is named by its field, not repeated."""
    bad_check = ALICE.nhs[:9] + str((int(ALICE.nhs[9]) + 1) % 10)
    unborn = Person(valid_nhs(4), born=(ADMIT + timedelta(days=2)).date())
    msgs = [
        message("A01", "R0001", Person(bad_check), at=ADMIT, admitted_at=ADMIT),
        message("A01", "R0002", unborn, at=ADMIT, admitted_at=ADMIT),
        message("A01", "R0003", ALICE, at=ADMIT, admitted_at=ADMIT).replace(
            f"|{ALICE.born:%Y%m%d}|", "|19381399|"
        ),
    ]
    result = feed(mapped, tmp_path, msgs)
    reasons = {r.control_id: str(r) for r in result.rejected}
    assert sorted(reasons) == ["R0001", "R0002", "R0003"]
    assert "PID-3 NHS number is not a valid NHS number" in reasons["R0001"]
    assert "date_of_birth" in reasons["R0002"] and "PID-7 is not a date" in reasons["R0003"]
    shown = [bad_check, f"{bad_check[:3]} {bad_check[3:6]} {bad_check[6:]}", "19381399"]
    shown += [unborn.born.isoformat(), f"{unborn.born:%d/%m/%Y}", unborn.nhs]
    assert not [v for v in shown for text in reasons.values() if v in text]


@pytest.mark.postgres
def test_a_change_another_user_saves_while_a_batch_is_applied_is_not_overwritten(
    pg_url_fresh: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL (a batch locks no row it only read): a ward user saves an EDD on the
    spell after the fast route read it and before it writes. The version check
    refuses the write; the batch is rolled back and applied through the services on
    top of the user's change, which is kept, each change a version of its own."""
    db = Database.open(pg_url_fresh)
    try:
        install_map(db)
        admit, move, leave = journey()
        feed(db, tmp_path, [admit, move], name="admit.hl7")
        with db.read() as s:
            spell_id = spells_of(s, ALICE.nhs)[0].id
        renamed = Person(ALICE.nhs, family="UPDATED")
        update = message("A08", "J0004", renamed, at=LEAVE - timedelta(hours=2),
                         location="RWE-GW1", bed="3")  # fmt: skip
        saved: list[int] = []
        original = Writes.write

        def meanwhile(self: Writes, session: Session) -> None:
            if self and not saved:
                with db.unit_of_work("ward user") as other:
                    view = spells.set_edd(other, spell_id=spell_id, expected_version=2, edd=EDD,
                                          reason="seen on the ward round")  # fmt: skip
                    saved.append(view.version)
            original(self, session)

        through_services: list[object] = []
        services = adt.feed._through_services
        monkeypatch.setattr(Writes, "write", meanwhile)
        monkeypatch.setattr(adt.feed, "_through_services",
                            lambda *a: through_services.append(a) or services(*a))  # fmt: skip
        result = feed(db, tmp_path, [update, leave], name="rest.hl7")
        assert result.summary() == "2 applied (A03 1, A08 1), 0 duplicates skipped, 0 rejected"
        assert saved == [3] and len(through_services) == 2  # the fast write was refused
        with db.read() as s:
            (spell,) = spells_of(s, ALICE.nhs)
            assert (spell.edd, spell.version, spell.patient.family_name) == (EDD, 4, "UPDATED")
            assert spell.discharged_at is not None
            versions = s.execute(
                select(AuditEntry.field, AuditEntry.actor, AuditEntry.version)
                .where(AuditEntry.spell_id == spell_id, AuditEntry.version > 2)
                .where(AuditEntry.field.in_(["edd", "discharged_at"]))
                .order_by(AuditEntry.version)
            ).all()
            assert [tuple(v) for v in versions] == [
                ("edd", "ward user", 3), ("discharged_at", "pas feed", 4)
            ]  # fmt: skip
    finally:
        db.dispose()


def test_a_failed_fast_flush_rolls_the_batch_back_and_applies_it_through_the_services(
    mapped: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A flush of the fast route that fails (another user changed a row meanwhile, a
    constraint): nothing of its batch is kept; the batch goes through the services."""
    failures: list[int] = []
    original = adt.fast.FastRoute.flush_records

    def fail_once(self: adt.fast.FastRoute, session: Session) -> None:
        if not failures:
            failures.append(1)
            raise adt.fast.FastFailed("a row changed meanwhile")
        original(self, session)

    monkeypatch.setattr(adt.fast.FastRoute, "flush_records", fail_once)
    result = feed(mapped, tmp_path, journey())
    assert failures == [1]
    assert result.summary() == "3 applied (A01 1, A02 1, A03 1), 0 duplicates skipped, 0 rejected"
    with mapped.read() as s:
        (spell,) = spells_of(s, ALICE.nhs)
        assert spell.discharged_at is not None and spell.version == 3  # each change once
        places = [h[:2] for h in ward_history(s, ALICE.nhs)]
        assert places == [(LRI, "Ward 7"), (GLENFIELD, "Ward 1")]
        assert s.scalar(select(func.count()).select_from(AdtMessage)) == 3
        assert s.scalar(select(func.count()).select_from(Patient)) == 1


def test_a_large_feed_parsed_in_a_second_process_reads_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """parse_stream hands a large feed to a parsing process in chunks: the same
    messages, in the same order, numbered within their files, bad ones as bad."""
    monkeypatch.setattr(adt.feed, "PARALLEL_FROM", 1)
    monkeypatch.setattr(adt.feed, "PARSE_CHUNK", 2)
    first, second = tmp_path / "one.hl7", tmp_path / "two.hl7"
    first.write_bytes(as_file([*journey(), "MSH|^~\\&|PAS\rPID|1\r"], variant="MLLP"))
    second.write_bytes(as_file(journey(Person(valid_nhs(5)), "K")))
    files = adt.split_files([first, second])
    parsed = list(adt.parse_stream(files))
    assert parsed == adt.read_files([first, second])
    assert [(i.source, i.read.number) for i in parsed] == [
        *((str(first), n) for n in (1, 2, 3, 4)),
        *((str(second), n) for n in (1, 2, 3)),
    ]
    assert isinstance(parsed[3].read, messages.Unreadable)


def test_a03_starts_a_placement_whose_start_was_confirmed(mapped: Database, tmp_path: Path) -> None:
    """The discharge of a spell with a confirmed placement start marks it started (the
    fast route leaves such a discharge to the services, which do it)."""
    feed(mapped, tmp_path, journey()[:2])
    with mapped.read() as s:
        sid = spells_of(s, ALICE.nhs)[0].id
    with mapped.unit_of_work("coordinator") as s:
        spells.set_pathway(s, spell_id=sid, expected_version=None, pathway="P1")
        hub.request_placement(s, spell_id=sid, expected_version=None, service_type="reablement")
        (placement,) = placements.placements_for(s, sid)
        # Set up directly: the steps to a confirmed start are the hub services' tests.
        s.get(Placement, placement.id).state = "start_confirmed"  # type: ignore[union-attr]
    result = feed(mapped, tmp_path, journey()[2:], name="leave.hl7")
    assert (dict(result.applied), result.rejected) == ({"A03": 1}, [])
    with mapped.read() as s:
        (spell,) = spells_of(s, ALICE.nhs)
        (after,) = placements.placements_for(s, sid)
        assert spell.discharged_at is not None
        assert after.state == "started"
