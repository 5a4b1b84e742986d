"""Who is signed in and what they may do: the permissions API every screen uses.

The server enforces the rights (:mod:`discharge_hub.access`); this module lets a screen
*show* them before anyone tries, and say why something is not offered::

    perms = database.permissions              # read once when the database opens
    if not perms.can(Action.EDIT_SPELL):
        save_button.setVisible(False)
        note.setText(perms.why_not(Action.EDIT_SPELL))
    perms.can(Action.EDIT_PLACEMENT, place="E06000017")   # social care: own council only

A :class:`Permissions` is a plain frozen value (no Qt, no session), so screens, the
command line and tests share it. People are managed with :func:`add_person`,
:func:`disable_person` and :func:`list_people` (``discharge-hub users``), which call
the server's ``dh_user_*`` functions: the server checks the caller is an admin.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import exc as sa_exc
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from discharge_hub.db_errors import first_line
from discharge_hub.errors import DatabaseError, DomainError, PermissionDeniedError, ValidationError
from discharge_hub.models import Person, Place

COORDINATOR, SOCIAL_CARE, VIEWER, ADMIN = "coordinator", "social_care", "viewer", "admin"
# invalid_parameter_value, duplicate_object, undefined_object (raised by dh_user_*).
_USER_MISTAKES = ("22023", "42710", "42704")
OWNER = "owner"  # the schema's owner (IT, migrations) or a superuser: the server decides
SINGLE_USER = "single_user"  # the embedded SQLite file on this computer
ROLE_LABELS = {
    COORDINATOR: "coordinator",
    SOCIAL_CARE: "social care",
    VIEWER: "viewer",
    ADMIN: "admin",
    OWNER: "database owner",
    SINGLE_USER: "single user",
}


class Action(StrEnum):
    """Things a screen offers that not every role may do."""

    EDIT_SPELL = "edit_spell"  # EDD, criteria to reside, pathway, referral, barriers,
    # Red2Green, discharge, the board round, admissions (PAS import)
    EDIT_CARER_LOG = "edit_carer_log"  # carers, their assessment, the communication log
    REQUEST_PLACEMENT = "request_placement"
    EDIT_PLACEMENT = "edit_placement"  # move a placement on, provider, worker
    EDIT_PROVIDERS = "edit_providers"  # providers, their services, places and vacancies
    EDIT_REFERENCE = "edit_reference"  # code lists, sites
    MANAGE_PEOPLE = "manage_people"
    READ = "read"  # boards, patients, reports, exports


_ALLOWED: dict[Action, frozenset[str]] = {
    Action.EDIT_SPELL: frozenset({COORDINATOR}),
    Action.EDIT_CARER_LOG: frozenset({COORDINATOR, SOCIAL_CARE}),
    Action.REQUEST_PLACEMENT: frozenset({COORDINATOR}),
    Action.EDIT_PLACEMENT: frozenset({COORDINATOR, SOCIAL_CARE}),
    Action.EDIT_PROVIDERS: frozenset({SOCIAL_CARE, ADMIN}),
    Action.EDIT_REFERENCE: frozenset({ADMIN}),
    Action.MANAGE_PEOPLE: frozenset({ADMIN}),
    Action.READ: frozenset({COORDINATOR, SOCIAL_CARE, VIEWER, ADMIN}),
}
_WHAT = {
    Action.EDIT_SPELL: "change the discharge plan (ward and hub work)",
    Action.EDIT_CARER_LOG: "change carers or the communication log",
    Action.REQUEST_PLACEMENT: "request placements (hub work)",
    Action.EDIT_PLACEMENT: "change placements",
    Action.EDIT_PROVIDERS: "change providers or vacancies",
    Action.EDIT_REFERENCE: "change reference lists",
    Action.MANAGE_PEOPLE: "manage people",
    Action.READ: "read the record",
}


@dataclass(frozen=True)
class Permissions:
    """The signed-in login and what its role allows."""

    login: str
    display_name: str | None
    roles: frozenset[str]
    place_code: str | None = None  # social care: the council they work for
    place_name: str | None = None
    enforced: bool = False  # the server stamps the actor and checks every write

    @property
    def actor(self) -> str:
        """How changes are signed: "Jane Smith (jsmith)", or the login."""
        return f"{self.display_name} ({self.login})" if self.display_name else self.login

    @property
    def single_user(self) -> bool:
        return SINGLE_USER in self.roles

    @property
    def role_label(self) -> str:
        labels = [ROLE_LABELS.get(r, r) for r in sorted(self.roles)] or ["no Discharge Hub role"]
        text_ = ", ".join(labels)
        return f"{text_}, {self.place_name or self.place_code}" if self.place_code else text_

    @property
    def who(self) -> str:
        """For title and status bars: "Jane Smith (jsmith) · coordinator"."""
        return f"{self.actor} · {self.role_label}"

    def can(self, action: Action, *, place: str | None = None) -> bool:
        return self.why_not(action, place=place) is None

    def why_not(self, action: Action, *, place: str | None = None) -> str | None:
        """None if allowed, else a sentence saying why not (to show beside the control)."""
        if self.roles & {OWNER, SINGLE_USER}:
            return None
        if not self.roles & _ALLOWED[action]:
            return f"Signed in as {self.who}: your role may not {_WHAT[action]}."
        own_place_only = SOCIAL_CARE in self.roles and not self.roles - {SOCIAL_CARE, VIEWER}
        if action is Action.EDIT_PLACEMENT and own_place_only and place != self.place_code:
            council = self.place_name or self.place_code or "no council"
            return (
                f"Signed in as {self.who}: you may change placements only for patients "
                f"of {council}."
            )
        return None

    def require(self, action: Action, *, place: str | None = None) -> None:
        reason = self.why_not(action, place=place)
        if reason is not None:
            raise PermissionDeniedError(f"Not allowed. {reason} Nothing was saved.")


def single_user() -> Permissions:
    """The embedded database: one person on this computer, who may do everything."""
    return Permissions(os_login(), None, frozenset({SINGLE_USER}))


def os_login() -> str:
    """The operating system's record of who is logged in — not ``USER``/``LOGNAME``,
    which anyone can set before starting the program."""
    try:
        if sys.platform == "win32":  # pragma: no cover - Windows: GetUserNameW
            return os.getlogin()
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (OSError, KeyError):  # no name for this uid (a container): the number
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


def signed_in(session: Session) -> Permissions:
    """Who this session's login is, as the server says (PostgreSQL), else single user."""
    if session.get_bind().dialect.name != "postgresql":
        return single_user()
    row = session.execute(text("SELECT * FROM dh_whoami()")).one()
    if row.owner:
        roles = frozenset({OWNER})
    elif row.role:
        roles = frozenset({row.role})
    else:
        roles = frozenset()
    place_name = session.scalar(select(Place.name).where(Place.code == row.place_code))
    return Permissions(
        row.login,
        row.display_name,
        roles,
        row.place_code,
        place_name,
        enforced=row.actor is not None,
    )


# --- managing people (PostgreSQL; the server checks the caller is an admin) ------------


@dataclass(frozen=True)
class PersonView:
    login: str
    display_name: str | None
    role: str
    place_code: str | None
    active: bool


def _require_shared(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        raise DatabaseError(
            "The embedded database is single-user: people and roles need the shared "
            "PostgreSQL database (see docs/security.md)."
        )


def add_person(
    session: Session,
    *,
    login: str,
    role: str,
    place: str | None = None,
    display_name: str | None = None,
    password: str | None = None,
) -> PersonView:
    """Create the login in its group role (a social care login bound to ``place``)."""
    _require_shared(session)
    if role not in (COORDINATOR, SOCIAL_CARE, VIEWER, ADMIN):
        raise ValidationError("role", role, "must be coordinator, social_care, viewer or admin")
    place_code = _place(session, place)
    name = (display_name or "").strip() or None
    if name is not None and (len(name) > 60 or not name.isprintable()):
        raise ValidationError("name", name, "must be printable and at most 60 characters")
    with _server_says_no():
        session.execute(
            text("SELECT dh_user_add(:login, :role, :place, :name, :verifier)"),
            {
                "login": login,
                "role": role,
                "place": place_code,
                "name": name,
                "verifier": _verifier(session, login, password) if password else None,
            },
        )
    return PersonView(login, name, role, place_code, True)


@contextmanager
def _server_says_no() -> Iterator[None]:
    """The dh_user_* functions' refusals of bad input (a taken or malformed login, an
    unknown person) are the user's to fix, said in the server's one line."""
    try:
        yield
    except sa_exc.DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) in _USER_MISTAKES:
            raise DomainError(first_line(exc)) from exc
        raise


def _place(session: Session, place: str | None) -> str | None:
    if place is None or not place.strip():
        return None
    wanted = place.strip()
    for code, name in session.execute(select(Place.code, Place.name)):
        if wanted.casefold() in (code.casefold(), name.casefold()):
            return str(code)
    names = ", ".join(session.scalars(select(Place.name).order_by(Place.name)))
    raise ValidationError("place", wanted, f"is not a known place (known: {names})")


def _verifier(session: Session, login: str, password: str) -> str:
    """The SCRAM verifier of the password, computed here (libpq, as psql's \\password
    does): the password itself never travels to the server or into its logs."""
    raw = session.connection().connection.dbapi_connection
    pgconn = raw.pgconn  # type: ignore[union-attr]
    return bytes(
        pgconn.encrypt_password(password.encode(), login.encode(), b"scram-sha-256")
    ).decode()


def disable_person(session: Session, *, login: str) -> None:
    """The login can no longer sign in, and loses its group role at once."""
    _require_shared(session)
    with _server_says_no():
        session.execute(text("SELECT dh_user_disable(:login)"), {"login": login})


def enable_person(session: Session, *, login: str) -> None:
    """A disabled login may sign in again, in the role and place it had (same password)."""
    _require_shared(session)
    with _server_says_no():
        session.execute(text("SELECT dh_user_enable(:login)"), {"login": login})


def list_people(session: Session) -> list[PersonView]:
    _require_shared(session)
    return [
        PersonView(p.login, p.display_name, p.role, p.place_code, p.active)
        for p in session.scalars(select(Person).order_by(Person.active.desc(), Person.login))
    ]
