"""Who may do what in the shared database, enforced by PostgreSQL itself (issue 13).

:data:`TABLES` is the one place that says, for every table of the schema, which group
role may insert (``a``), update (``w``) or delete (``d``) rows, which columns name the
person who did it (the server fills them in), and which writes row-level security
narrows further. Every signed-in role may read every table except ``person``.
:func:`apply` turns it into grants, policies and triggers after every upgrade
(idempotent; skipped when nothing changed); a test fails when a table has no entry.

Group roles are ``<prefix>coordinator``, ``<prefix>social_care``, ``<prefix>viewer``
and ``<prefix>admin``. PostgreSQL roles belong to the whole server, not one database,
so the prefix (default ``hub_``) is chosen when a database is first set up (from
``$DISCHARGE_HUB_ROLE_PREFIX``) and kept in that database's ``hub_setting`` table:
two Discharge Hub databases on one server (live and training) take two prefixes, so
a training login never has rights in the live database (docs/security.md).

On SQLite (single user, no roles) only the insert-only audit trail applies. On both,
the triggers that keep the spells' board summaries (:mod:`discharge_hub.summaries`)
are (re)installed here too.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, inspect, text

from discharge_hub import access_sql, summaries
from discharge_hub.errors import DatabaseError

log = logging.getLogger(__name__)

COORDINATOR, SOCIAL_CARE, VIEWER, ADMIN = "coordinator", "social_care", "viewer", "admin"
ROLES = (COORDINATOR, SOCIAL_CARE, VIEWER, ADMIN)
PREFIX_ENV = "DISCHARGE_HUB_ROLE_PREFIX"
DEFAULT_PREFIX = "hub_"
PREFIX_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,19}")
STAMPED = ("created_by", "updated_by")  # every Versioned table
AUDIT_TABLE = "audit_entry"

# Row-level security: a social care login writes placements only of patients of its
# own council (place). The expression is evaluated by the server for the new row.
OWN_PLACE = (
    "EXISTS (SELECT 1 FROM spell s JOIN patient p ON p.id = s.patient_id "
    "WHERE s.id = {table}.spell_id AND p.place_code = dh_my_place())"
)


@dataclass(frozen=True)
class Rules:
    """The rights on one table: ``write`` maps a role to letters a/w/d."""

    write: Mapping[str, str] = field(default_factory=dict)
    actors: tuple[str, ...] = ()  # columns naming who did it: stamped by the server
    own_place: tuple[str, ...] = ()  # roles whose writes need a patient of their place
    readers: tuple[str, ...] = ROLES
    insert_only: bool = False  # no UPDATE or DELETE for anyone, the owner included


_WARD = {COORDINATOR: "aw"}
_CARER_LOG = {COORDINATOR: "aw", SOCIAL_CARE: "aw"}
_PROVIDERS = {SOCIAL_CARE: "aw", ADMIN: "aw"}
_REFERENCE = Rules({ADMIN: "aw"})

TABLES: dict[str, Rules] = {
    # The patient and the inpatient spell: ward and hub work.
    "patient": Rules(_WARD, STAMPED),
    "spell": Rules(_WARD, STAMPED),
    "edd_change": Rules({COORDINATOR: "a"}, ("changed_by",)),
    "ctr_review": Rules({COORDINATOR: "a"}, ("reviewed_by",)),
    "ctr_review_criterion": Rules({COORDINATOR: "a"}),
    "red2green_day": Rules({COORDINATOR: "awd"}, STAMPED),
    # The effective-dated history (issue 11): written with the change it records, so by
    # whoever may make that change (moving a placement on writes a placement fact).
    "spell_fact": Rules({COORDINATOR: "aw", SOCIAL_CARE: "aw"}, ("recorded_by",), (SOCIAL_CARE,)),
    "barrier": Rules(_WARD, (*STAMPED, "resolved_by")),
    "hub_referral": Rules(_WARD, (*STAMPED, "referred_by", "accepted_by", "returned_by")),
    # Carers and the communication log: ward, hub and social care.
    "carer": Rules(_CARER_LOG, STAMPED),
    "carer_contact": Rules({COORDINATOR: "a", SOCIAL_CARE: "a"}, ("recorded_by",)),
    # Placements: the hub requests them; social care moves those of its own council on.
    "placement": Rules(
        {COORDINATOR: "aw", SOCIAL_CARE: "w"}, (*STAMPED, "requested_by"), (SOCIAL_CARE,)
    ),
    # Providers and their vacancies: social care and the hub's administrators.
    "provider": Rules(_PROVIDERS, STAMPED),
    "provider_place": Rules({SOCIAL_CARE: "ad", ADMIN: "ad"}),
    "provider_service_type": Rules({SOCIAL_CARE: "ad", ADMIN: "ad"}),
    "provider_vacancy": Rules({SOCIAL_CARE: "a", ADMIN: "a"}, ("recorded_by",)),
    # The estate: wards and beds arrive with PAS admissions; sites are reference data.
    "site": _REFERENCE,
    "ward": Rules({COORDINATOR: "aw", ADMIN: "aw"}, STAMPED),
    "bed": Rules({COORDINATOR: "aw", ADMIN: "aw"}, STAMPED),
    # Reference code lists (loaded from resources/ by the owner at upgrade).
    "pathway": _REFERENCE,
    "criterion": _REFERENCE,
    "delay_reason": _REFERENCE,
    "discharge_destination": _REFERENCE,
    "discharge_method": _REFERENCE,
    "place": _REFERENCE,
    "service_type": _REFERENCE,
    "ethnic_category": _REFERENCE,
    "barrier_kind": _REFERENCE,
    "contact_method": _REFERENCE,
    # The PAS feed (issue 14): run by an administrator or the integration login, which
    # also needs the coordinator's rights on patients and spells; the ward map is the
    # administrators'.
    "adt_message": Rules({COORDINATOR: "a", ADMIN: "a"}, ("applied_by",)),
    "adt_location": Rules({ADMIN: "awd"}, STAMPED),
    # Bookkeeping.
    AUDIT_TABLE: Rules(
        {COORDINATOR: "a", SOCIAL_CARE: "a", ADMIN: "a"}, ("actor",), insert_only=True
    ),
    "change_counter": Rules(),  # SQLite's live refresh only; PostgreSQL uses NOTIFY
    "change_log": Rules(),
    "hub_setting": Rules(),
    "person": Rules(readers=(ADMIN,)),  # written only by the dh_user_* functions
    "alembic_version": Rules(),  # read at start-up to check the schema revision
}

_COMMANDS = {"a": "INSERT", "w": "UPDATE", "d": "DELETE"}


def group_role(prefix: str, role: str) -> str:
    return f"{prefix}{role}"


def configured_prefix() -> str:
    prefix = os.environ.get(PREFIX_ENV, DEFAULT_PREFIX).strip() or DEFAULT_PREFIX
    if not PREFIX_PATTERN.fullmatch(prefix):
        raise DatabaseError(
            f"${PREFIX_ENV}: {prefix!r} is not a usable role prefix (lower-case letters, "
            "digits and _, starting with a letter, at most 20 characters)."
        )
    return prefix


def stored_prefix(conn: Connection) -> str | None:
    if not inspect(conn).has_table("hub_setting"):
        return None
    value = conn.scalar(text("SELECT value FROM hub_setting WHERE key = 'role_prefix'"))
    return str(value) if value is not None else None


def _store(conn: Connection, key: str, value: str) -> None:
    conn.execute(text("DELETE FROM hub_setting WHERE key = :k"), {"k": key})
    conn.execute(
        text("INSERT INTO hub_setting (key, value) VALUES (:k, :v)"), {"k": key, "v": value}
    )


# --- the statements ------------------------------------------------------------------------


def table_statements(prefix: str, table: str, rules: Rules, sequences: list[str]) -> list[str]:
    """Grants, policies and triggers of one table (PostgreSQL)."""
    groups = ", ".join(group_role(prefix, r) for r in ROLES)
    out = [f"REVOKE ALL ON TABLE {table} FROM PUBLIC, {groups}"]
    if rules.readers:
        readers = ", ".join(group_role(prefix, r) for r in rules.readers)
        out.append(f"GRANT SELECT ON TABLE {table} TO {readers}")
    for role, letters in sorted(rules.write.items()):
        commands = ", ".join(_COMMANDS[c] for c in letters)
        out.append(f"GRANT {commands} ON TABLE {table} TO {group_role(prefix, role)}")
        if "a" in letters:
            out += [
                f"GRANT USAGE, SELECT ON SEQUENCE {s} TO {group_role(prefix, role)}"
                for s in sequences
            ]
    if rules.own_place:
        out += _policies(prefix, table, rules)
    if rules.actors:
        columns = ", ".join(f"'{c}'" for c in rules.actors)
        out.append(
            f"CREATE OR REPLACE TRIGGER dh_stamp BEFORE INSERT OR UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION dh_stamp({columns})"
        )
    if rules.insert_only:
        out += [
            f"CREATE OR REPLACE TRIGGER dh_insert_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION dh_refuse_change()",
            f"CREATE OR REPLACE TRIGGER dh_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION dh_refuse_change()",
        ]
    return out


def _policies(prefix: str, table: str, rules: Rules) -> list[str]:
    """Row-level security: everyone reads; the roles in ``own_place`` write only rows
    whose patient lives in their place; the other writers any row. A new row that
    fails the check is refused with an error (WITH CHECK), never silently skipped."""
    own = OWN_PLACE.format(table=table)
    out = [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY dh_read ON {table} FOR SELECT USING (true)",
    ]
    for role, letters in sorted(rules.write.items()):
        check = own if role in rules.own_place else "true"
        who = group_role(prefix, role)
        for letter in letters:
            name = f"dh_{role}_{_COMMANDS[letter].lower()}"
            if letter == "a":
                clause = f"WITH CHECK ({check})"
            elif letter == "w":
                clause = f"USING (true) WITH CHECK ({check})"
            else:
                clause = f"USING ({check})"
            out.append(f"CREATE POLICY {name} ON {table} FOR {_COMMANDS[letter]} TO {who} {clause}")
    if rules.own_place:  # a placement never moves to another patient's spell
        out.append(
            f"CREATE OR REPLACE TRIGGER dh_keep_spell BEFORE UPDATE OF spell_id ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION dh_keep_spell()"
        )
    return out


def pg_statements(prefix: str, present: list[str], sequences: Mapping[str, list[str]]) -> list[str]:
    """Everything :func:`apply` writes on PostgreSQL, in order (also its fingerprint)."""
    roles = {r: group_role(prefix, r) for r in ROLES}
    out = [
        *access_sql.create_roles(roles.values()),
        *access_sql.functions(roles),
        *summaries.pg_functions(),
    ]
    groups = ", ".join(roles.values())
    out.append(f"GRANT USAGE ON SCHEMA public TO {groups}")
    for table in sorted(present):
        rules = TABLES.get(table)
        if rules is None:
            continue  # refused by apply before any statement runs
        out += table_statements(prefix, table, rules, sequences.get(table, []))
        out += summaries.pg_triggers(table)
    return out


SQLITE_STATEMENTS = [
    f"CREATE TRIGGER IF NOT EXISTS dh_insert_only_{kind} BEFORE {kind.upper()} ON {AUDIT_TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{access_sql.INSERT_ONLY}'); END"
    for kind in ("update", "delete")
]


# --- applying them ----------------------------------------------------------------------


def apply(conn: Connection) -> bool:
    """Bring grants, policies and triggers in step with :data:`TABLES` in ``conn``'s
    transaction. True if anything was written (False: already in step)."""
    if conn.dialect.name == "sqlite":
        for statement in SQLITE_STATEMENTS:
            conn.exec_driver_sql(statement)
        summaries.install_sqlite(conn)
        return False
    present = sorted(inspect(conn).get_table_names())
    unknown = [t for t in present if t not in TABLES]
    if unknown:
        raise RuntimeError(f"no access rules for the table(s) {unknown}: add them to access.TABLES")
    prefix = stored_prefix(conn) or configured_prefix()
    statements = pg_statements(prefix, present, _sequences(conn))
    fingerprint = hashlib.sha256("\n".join(statements).encode()).hexdigest()
    if not needs_apply(conn, fingerprint, prefix):
        return False
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        for statement in _drops(conn) + statements + _connect_rights(conn, prefix):
            cursor.execute(statement)  # plain DDL: no parameters, so % is never special
    finally:
        cursor.close()
    _store(conn, "role_prefix", prefix)
    _store(conn, "access_fingerprint", fingerprint)
    log.info("access rules applied (group roles %s*)", prefix)
    return True


def needs_apply(conn: Connection, fingerprint: str, prefix: str) -> bool:
    stored = conn.scalar(text("SELECT value FROM hub_setting WHERE key = 'access_fingerprint'"))
    if stored != fingerprint:
        return True
    # A database copied or restored without its own access rights lets anyone connect.
    return bool(
        conn.scalar(text("SELECT has_database_privilege('public', current_database(), 'CONNECT')"))
    )


def _sequences(conn: Connection) -> dict[str, list[str]]:
    rows = conn.execute(
        text(
            "SELECT t.relname, s.relname FROM pg_class s "
            "JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i') "
            "JOIN pg_class t ON t.oid = d.refobjid "
            "JOIN pg_namespace n ON n.oid = s.relnamespace "
            "WHERE s.relkind = 'S' AND n.nspname = current_schema() ORDER BY 1, 2"
        )
    ).all()
    out: dict[str, list[str]] = {}
    for table, sequence in rows:
        out.setdefault(table, []).append(sequence)
    return out


def _drops(conn: Connection) -> list[str]:
    """Drop every policy and trigger of ours, so one no longer wanted does not linger."""
    policies = conn.execute(
        text(
            "SELECT tablename, policyname FROM pg_policies "
            "WHERE schemaname = current_schema() AND policyname LIKE 'dh\\_%'"
        )
    ).all()
    triggers = conn.execute(
        text(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND NOT t.tgisinternal AND t.tgname LIKE 'dh\\_%'"
        )
    ).all()
    return [f"DROP POLICY {name} ON {table}" for table, name in policies] + [
        f"DROP TRIGGER {name} ON {table}" for table, name in triggers
    ]


def _connect_rights(conn: Connection, prefix: str) -> list[str]:
    """Only the group roles may connect (not every login of the server), when this role
    may say so (it owns the database, or is a superuser)."""
    may = conn.scalar(
        text(
            "SELECT r.rolsuper OR pg_has_role(current_user, d.datdba, 'MEMBER') "
            "FROM pg_database d, pg_roles r "
            "WHERE d.datname = current_database() AND r.rolname = current_user"
        )
    )
    if not may:
        log.warning("not the database owner: CONNECT is left as it is")
        return []
    name = conn.scalar(text("SELECT quote_ident(current_database())"))
    groups = ", ".join(group_role(prefix, r) for r in ROLES)
    return [
        f"REVOKE CONNECT ON DATABASE {name} FROM PUBLIC",
        f"GRANT CONNECT ON DATABASE {name} TO {groups}",
    ]


def remove(conn: Any) -> None:
    """Undo :func:`apply`'s policies, triggers and functions (migration 0004 downgrade);
    grants go with the tables, group roles stay (they belong to the server)."""
    if conn.dialect.name != "postgresql":
        for kind in ("update", "delete"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS dh_insert_only_{kind}")
        for statement in summaries.sqlite_drops():
            conn.exec_driver_sql(statement)
        return
    for statement in _drops(conn):
        conn.exec_driver_sql(statement)
    for table in inspect(conn).get_table_names():
        conn.exec_driver_sql(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    for statement in access_sql.drop_functions() + summaries.pg_drop_functions():
        conn.exec_driver_sql(statement)
