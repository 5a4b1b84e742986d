"""Signing in to the shared database (Qt-free: the desktop's dialog and tests use it).

The connection details (server, port, database, user — never a password) are kept per
user in ``connection.json`` in the user's configuration folder (platformdirs), readable
by that user only. The password is used for this process (:mod:`credentials`) and kept
in the operating system's keyring only when the person ticks "remember". The keyring is
imported only to sign in, never on an embedded start.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from discharge_hub.db import APP_NAME, Database, create_db_engine
from discharge_hub.db_errors import map_db_errors
from discharge_hub.errors import ValidationError
from discharge_hub.services import people

log = logging.getLogger(__name__)
DETAILS_FILE = "connection.json"


@dataclass(frozen=True)
class ConnectionDetails:
    """Where to sign in, and as whom. No password, ever."""

    host: str
    port: int = 5432
    database: str = "discharge_hub"
    user: str = ""

    def url(self) -> str:
        return URL.create(
            "postgresql+psycopg",
            username=self.user or None,
            host=self.host or None,
            port=self.port,
            database=self.database,
        ).render_as_string(hide_password=False)

    @property
    def label(self) -> str:
        return f"{self.host}:{self.port}/{self.database}"

    @classmethod
    def from_url(cls, url_text: str) -> ConnectionDetails:
        url = make_url(url_text)
        return cls(url.host or "", url.port or 5432, url.database or "", url.username or "")

    def checked(self) -> ConnectionDetails:
        """The details trimmed; ValidationError naming the field that is wrong."""
        host, database, user = self.host.strip(), self.database.strip(), self.user.strip()
        for field, value in (("server", host), ("database", database), ("user", user)):
            if not value:
                raise ValidationError(field, value, "is required")
            if any(c.isspace() or not c.isprintable() for c in value):
                raise ValidationError(field, value, "must not contain spaces")
        if not 1 <= int(self.port) <= 65535:
            raise ValidationError("port", self.port, "must be a number from 1 to 65535")
        return ConnectionDetails(host, int(self.port), database, user)


def details_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / DETAILS_FILE


def load_details(path: Path | None = None) -> ConnectionDetails | None:
    """The details this user signed in with last (None: none, or unreadable)."""
    path = path or details_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return ConnectionDetails(
            str(data["host"]), int(data["port"]), str(data["database"]), str(data["user"])
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_details(details: ConnectionDetails, path: Path | None = None) -> Path:
    """Remember the details (no password) for this user, owner-only (0600)."""
    path = path or details_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    data = json.dumps(asdict(details), indent=2).encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return path


def check_connection(details: ConnectionDetails, password: str | None) -> str:
    """Connect once and say who the server takes us for; DomainError if it cannot."""
    from discharge_hub import credentials  # keyring (~50 ms): not on an embedded start

    url = make_url(details.checked().url())
    if password:
        url = url.set(password=password)
    else:  # blank: whatever the keyring or libpq (PGPASSWORD, .pgpass) offers
        url = credentials.with_password(url.render_as_string(hide_password=False))
    engine = create_db_engine(url.render_as_string(hide_password=False), pool_size=1)
    try:
        with map_db_errors(), engine.connect() as conn:
            has_people = conn.scalar(text("SELECT to_regprocedure('dh_whoami()') IS NOT NULL"))
            if not has_people:
                return f"Connected to {details.label}; it holds no Discharge Hub people yet."
            from sqlalchemy.orm import Session

            with Session(conn) as session:
                who = people.signed_in(session)
    finally:
        engine.dispose()
    return f"Connected to {details.label} as {who.who}."


@dataclass(frozen=True)
class SignedIn:
    database: Database
    remembered: bool
    note: str | None  # why the password was not remembered, when asked to


def sign_in(
    details: ConnectionDetails,
    password: str | None,
    *,
    remember: bool,
    opener: Callable[..., Database] = Database.open,
    **open_kwargs: Any,
) -> SignedIn:
    """Open the database as this person. The password goes to the keyring only if
    ``remember`` and the server accepted it; unticking "remember" forgets it."""
    from keyring.errors import KeyringError

    from discharge_hub import credentials

    details = details.checked()
    url = details.url()
    if password:
        credentials.use_for_session(url, password)
    try:
        database = opener(url, **open_kwargs)
    except BaseException:
        if password:
            credentials.forget_session(url)
        raise
    remembered, note = False, None
    if remember and password:
        try:
            credentials.store_password(url, password)
            remembered = True
        except KeyringError as exc:
            note = f"Your password was not remembered: {exc}. You will be asked each time."
    elif not remember:
        credentials.forget_password(url)
    save_details(details)
    return SignedIn(database, remembered, note)


@dataclass(frozen=True)
class StartTarget:
    """What the desktop opens: the sign-in dialog (``details``), or ``url`` as given
    (the embedded file, or a PostgreSQL URL that carries its own way to sign in)."""

    url: str | None = None
    details: ConnectionDetails | None = None

    @property
    def embedded(self) -> bool:
        return self.details is None and (self.url is None or self.url.startswith("sqlite"))


def start_target(db_url: str | None, env_url: str | None = None) -> StartTarget:
    """``--db`` wins, then ``$DISCHARGE_HUB_DB``, then the details this user signed in
    with last; with none of them, the embedded database (single user)."""
    from discharge_hub.db import resolve_url

    chosen = db_url or env_url
    if not chosen:
        saved = load_details()
        return StartTarget(details=saved) if saved else StartTarget()
    resolved = resolve_url(chosen)
    if not resolved.startswith("postgresql"):
        return StartTarget(url=resolved)
    url = make_url(resolved)
    if url.password or url.query or not url.host:  # scripted: a service file, a socket
        return StartTarget(url=resolved)
    details = ConnectionDetails.from_url(resolved)
    saved = load_details()
    if (
        not details.user
        and saved
        and (saved.host, saved.database) == (details.host, details.database)
    ):
        details = ConnectionDetails(details.host, details.port, details.database, saved.user)
    return StartTarget(details=details)
