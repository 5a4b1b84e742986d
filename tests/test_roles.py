"""People and roles, enforced by PostgreSQL: raw SQL outside a role's rights is refused
by the server; the same through the services is a clear PermissionDeniedError; every
change is signed by the server with the person who made it, whatever the client says."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select

from discharge_hub import adt, importer
from discharge_hub.db import Database
from discharge_hub.errors import DatabaseError, PermissionDeniedError
from discharge_hub.models import AdtMessage, AuditEntry, Placement, Spell, SpellFact
from discharge_hub.services import care, placements, spells
from discharge_hub.services import people as people_service
from discharge_hub.services.people import Action
from tests.conftest import admitted
from tests.core_support import admit, days, db_fingerprint
from tests.security_support import LEICESTER, RUTLAND, Logins, logins, spell_with_placement

pytestmark = pytest.mark.postgres


@pytest.fixture
def owner(pg_url_fresh: str) -> Iterator[Database]:
    database = Database.open(pg_url_fresh)
    yield database
    database.dispose()


@pytest.fixture
def people(pg_url_fresh: str) -> Iterator[Logins]:
    with logins(pg_url_fresh) as made:
        yield made


def raw(url: str) -> psycopg.Connection:
    return psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True)


def refused_by_server(url: str, sql: str, params: tuple[object, ...] = ()) -> str:
    with raw(url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege) as info:
        conn.execute(sql, params)
    return str(info.value)


# --- raw SQL: the server refuses ------------------------------------------------------------


def test_a_viewer_reads_but_the_server_refuses_its_update(owner: Database, people: Logins) -> None:
    spell = admit(owner)
    viewer = people.add("viewer", name="Val Viewer")
    with raw(viewer) as conn:
        assert conn.execute("SELECT count(*) FROM spell").fetchone() == (1,)
    update = "UPDATE spell SET next_action = 'x' WHERE id = %s"
    text = refused_by_server(viewer, update, (spell.id,))
    assert "permission denied for table spell" in text
    refused_by_server(viewer, "INSERT INTO audit_entry (at, actor, action, entity) "
                      "VALUES (now(), 'v', 'insert', 'x')")  # fmt: skip
    refused_by_server(viewer, "SELECT * FROM person")  # only admins see the people


def test_rutland_social_care_cannot_touch_a_leicester_placement(
    owner: Database, people: Logins
) -> None:
    leicester = spell_with_placement(owner, 1, "Leicester", bed="B1")
    rutland = spell_with_placement(owner, 2, "Rutland", bed="B2")
    sam = people.add("social_care", place=RUTLAND, name="Sam Social")
    before = db_fingerprint(owner)
    text = refused_by_server(
        sam, "UPDATE placement SET notes = 'moved' WHERE id = %s", (leicester.placement_id,)
    )
    assert "row-level security" in text
    # Nor by moving it onto a Rutland patient's spell.
    refused_by_server(
        sam,
        "UPDATE placement SET spell_id = %s WHERE id = %s",
        (rutland.spell_id, leicester.placement_id),
    )
    refused_by_server(sam, "UPDATE spell SET next_action = 'x' WHERE id = %s", (rutland.spell_id,))
    assert db_fingerprint(owner) == before
    with raw(sam) as conn:  # their own council's placement: allowed
        conn.execute(
            "UPDATE placement SET notes = 'called', updated_by = 'someone else' WHERE id = %s",
            (rutland.placement_id,),
        )
    with owner.read() as s:
        stamped = s.execute(
            select(Placement.notes, Placement.updated_by).where(
                Placement.id == rutland.placement_id
            )
        ).one()
    assert stamped == ("called", f"Sam Social ({sam.split('://')[1].split('@')[0]})")


@pytest.mark.parametrize("role", ["coordinator", "social_care", "viewer", "admin", None])
def test_nobody_updates_or_deletes_the_audit_trail(
    owner: Database, people: Logins, pg_url_fresh: str, role: str | None
) -> None:
    admit(owner)
    place = RUTLAND if role == "social_care" else None
    url = pg_url_fresh if role is None else people.add(role, place=place)
    before = db_fingerprint(owner)
    for sql in (
        "UPDATE audit_entry SET actor = 'nobody'",
        "DELETE FROM audit_entry",
        "TRUNCATE audit_entry",
    ):
        text = refused_by_server(url, sql)
        if role is None:  # the owner has every grant: the trigger refuses
            assert "insert-only" in text
    assert db_fingerprint(owner) == before


def test_the_server_signs_every_change_whatever_the_client_claims(
    owner: Database, people: Logins
) -> None:
    spell = admit(owner)
    cora = people.add("coordinator", name="Cora Ward")
    login = cora.split("://")[1].split("@")[0]
    with raw(cora) as conn:
        conn.execute(
            "INSERT INTO audit_entry (at, actor, action, entity) "
            "VALUES (now(), 'the chief executive', 'insert', 'note')"
        )
    database = Database.open(cora)
    try:
        assert database.permissions.enforced
        assert database.permissions.actor == f"Cora Ward ({login})"
        with database.unit_of_work("mallory") as s:  # the client's claim is ignored
            spells.set_edd(s, spell_id=spell.id, expected_version=None, edd=days(3), reason="x")
    finally:
        database.dispose()
    with owner.read() as s:
        actors = set(s.scalars(select(AuditEntry.actor)))
        stamps = s.execute(select(Spell.created_by, Spell.updated_by)).one()
    assert "the chief executive" not in actors and "mallory" not in actors
    assert f"Cora Ward ({login})" in actors
    assert stamps == ("alice", f"Cora Ward ({login})")  # the creator stays as it was


# --- the same through the services: a clear domain error ------------------------------------


def test_a_viewer_saving_gets_a_clear_refusal_and_nothing_is_written(
    owner: Database, people: Logins
) -> None:
    spell = admit(owner)
    viewer = Database.open(people.add("viewer", name="Val Viewer"))
    try:
        assert not viewer.permissions.can(Action.EDIT_SPELL)
        assert "viewer" in (viewer.permissions.why_not(Action.EDIT_SPELL) or "")
        before = db_fingerprint(owner)
        with pytest.raises(PermissionDeniedError) as info:
            with viewer.unit_of_work("x") as s:
                spells.set_edd(s, spell_id=spell.id, expected_version=None, edd=days(2), reason="r")
        assert "Val Viewer" in str(info.value) and "viewer" in str(info.value)
        assert "Nothing was saved" in str(info.value)
        assert db_fingerprint(owner) == before
    finally:
        viewer.dispose()


def test_social_care_works_its_own_council_and_is_told_why_not_the_others(
    owner: Database, people: Logins
) -> None:
    leicester = spell_with_placement(owner, 1, "Leicester", bed="B1")
    rutland = spell_with_placement(owner, 2, "Rutland", bed="B2")
    sam = Database.open(people.add("social_care", place=RUTLAND, name="Sam Social"))
    try:
        perms = sam.permissions
        assert perms.place_code == RUTLAND and perms.place_name == "Rutland"
        assert perms.can(Action.EDIT_PLACEMENT, place=RUTLAND)
        assert not perms.can(Action.EDIT_PLACEMENT, place=LEICESTER)
        assert not perms.can(Action.EDIT_SPELL) and perms.can(Action.EDIT_CARER_LOG)
        before = db_fingerprint(owner)
        with pytest.raises(PermissionDeniedError) as info:
            with sam.unit_of_work("x") as s:
                placements.advance_placement(
                    s, placement_id=leicester.placement_id, expected_version=None,
                    to_state="assessing",
                )  # fmt: skip
        assert "Rutland" in str(info.value) and "Nothing was saved" in str(info.value)
        assert db_fingerprint(owner) == before
        with sam.unit_of_work("x") as s:
            moved = placements.advance_placement(
                s, placement_id=rutland.placement_id, expected_version=None, to_state="assessing"
            )
            care.log_contact(
                s, spell_id=rutland.spell_id, contact_at=admitted(1), with_whom="daughter",
                method="phone", discussed="the plan",
            )  # fmt: skip
        assert moved.state == "assessing"
        # The spell's board summaries follow (a SECURITY DEFINER trigger: social care
        # may not update spells), and the spell is not stamped as edited by Sam.
        with owner.read() as s:
            row = s.execute(
                select(
                    Spell.__table__.c.placement_state,
                    Spell.__table__.c.last_carer_contact_at,
                    Spell.updated_by,
                ).where(Spell.id == rutland.spell_id)
            ).one()
        assert row.placement_state == "assessing" and row.last_carer_contact_at is not None
        assert "Sam" not in row.updated_by
        with pytest.raises(PermissionDeniedError):
            with sam.unit_of_work("x") as s:
                spells.set_edd(
                    s, spell_id=rutland.spell_id, expected_version=None, edd=days(1), reason="r"
                )
    finally:
        sam.dispose()


def test_a_disabled_person_loses_their_rights_at_once(owner: Database, people: Logins) -> None:
    spell = admit(owner)
    cora = people.add("coordinator", name="Cora Ward")
    login = cora.split("://")[1].split("@")[0]
    with raw(cora) as conn:  # signed in before being disabled
        conn.execute("UPDATE spell SET next_action = 'before' WHERE id = %s", (spell.id,))
        with owner.unit_of_work("it") as s:
            people_service.disable_person(s, login=login)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE spell SET next_action = 'after' WHERE id = %s", (spell.id,))
    with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
        raw(cora)


def test_a_coordinator_imports_a_pas_extract_signed_by_the_server_and_a_viewer_cannot(
    owner: Database, people: Logins, tmp_path: Path
) -> None:
    from tests.cli.test_import_cmd import good_rows, write

    extract = importer.read_extract(write(tmp_path / "pas.csv", good_rows()))
    viewer = Database.open(people.add("viewer"))
    try:
        before = db_fingerprint(owner)
        with pytest.raises(PermissionDeniedError, match="viewer"):
            importer.import_extract(viewer, extract, actor="claimed")
        assert db_fingerprint(owner) == before
    finally:
        viewer.dispose()
    cora = Database.open(people.add("coordinator", name="Cora Ward"))
    try:
        result = importer.import_extract(cora, extract, actor="claimed")  # COPY, in bulk
        actor = cora.permissions.actor
    finally:
        cora.dispose()
    assert result.created == 3
    with owner.read() as s:
        actors = set(s.scalars(select(AuditEntry.actor).where(AuditEntry.entity != "person")))
        creators = set(s.scalars(select(Spell.created_by)))
    assert actors == {actor} and creators == {actor}


def test_a_coordinator_imports_an_adt_feed_signed_by_the_server(
    owner: Database, people: Logins, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The feed's fast route writes in bulk (the audit trail by COPY): every row is still
    signed by the server with the coordinator who ran it, whatever the client claims."""
    from tests.adt_support import as_file, install_map
    from tests.test_adt_feed import journey

    install_map(owner)
    path = tmp_path / "feed.hl7"
    path.write_bytes(as_file(journey()))
    through_services: list[object] = []
    services = adt.feed._through_services
    monkeypatch.setattr(adt.feed, "_through_services",
                        lambda *a: through_services.append(a) or services(*a))  # fmt: skip
    cora = Database.open(people.add("coordinator", name="Cora Ward"))
    try:
        result = adt.import_files(cora, [path], actor="claimed")
        actor = cora.permissions.actor
    finally:
        cora.dispose()
    assert result.summary() == "3 applied (A01 1, A02 1, A03 1), 0 duplicates skipped, 0 rejected"
    assert len(through_services) < 3  # the discharge at least by the fast route, in bulk
    with owner.read() as s:
        entities = ["patient", "spell", "bed"]
        actors = set(s.scalars(select(AuditEntry.actor).where(AuditEntry.entity.in_(entities))))
        stamps = s.execute(select(Spell.created_by, Spell.updated_by)).one()
        applied_by = set(s.scalars(select(AdtMessage.applied_by)))
        recorded_by = set(s.scalars(select(SpellFact.recorded_by)))
    assert actor.startswith("Cora Ward (") and actors == {actor}
    assert stamps == (actor, actor) and applied_by == recorded_by == {actor}


def test_a_person_never_migrates_an_older_schema_and_is_told_to_ask_it(
    owner: Database, people: Logins
) -> None:
    cora = people.add("coordinator")
    with owner.engine.begin() as conn:  # as if this program were newer than the schema
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0002'")
    with pytest.raises(DatabaseError, match="Ask IT to run `discharge-hub db upgrade`"):
        Database.open(cora)
    with owner.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0002"
