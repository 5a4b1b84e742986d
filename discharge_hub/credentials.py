"""Database passwords: in the operating system's keyring or in this process, never in a
file, QSettings or a log.

A PostgreSQL URL given without a password (``postgresql://jsmith@dbhost/discharge_hub``)
gets it, in this order, from:

1. the password typed at sign-in, kept in this process's memory only
   (:func:`use_for_session`), so the live-refresh listener and reconnections after a
   network blip authenticate like the first connection;
2. the keyring entry for that user, host, port and database, stored only when the
   person ticked "remember" (or ran ``discharge-hub db set-password``);
3. otherwise libpq's own sources, untouched: ``PGPASSWORD``, the ``.pgpass`` file,
   a service file (``postgresql:///?service=hub``), or no password at all (Kerberos,
   certificates, peer).

Where no usable keyring exists (a server without a desktop session, or only a keyring
that keeps passwords in a plain file) :func:`keyring_status` says why, and the desktop
asks for the password each time.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import keyring
from keyring.errors import KeyringError, PasswordDeleteError
from sqlalchemy.engine import URL, make_url

SERVICE = "discharge-hub"
log = logging.getLogger(__name__)
_session: dict[str, str] = {}  # account → password typed at sign-in (this process only)
_session_lock = threading.Lock()


def account(url: URL) -> str:
    """The keyring user name of a database login: ``user@host:port/database``."""
    return f"{url.username}@{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"


def _postgres_login(url_text: str) -> URL | None:
    url = make_url(url_text)
    if url.get_backend_name() != "postgresql" or not url.username:
        return None
    return url


def with_password(url_text: str) -> URL:
    """The URL, with the password typed at sign-in or kept in the keyring, if it has
    none; else as given (libpq then looks in PGPASSWORD, .pgpass, the service file)."""
    url = make_url(url_text)
    login = _postgres_login(url_text)
    if login is None or url.password:
        return url
    with _session_lock:
        typed = _session.get(account(login))
    if typed:
        return url.set(password=typed)
    secret = stored_password(url_text)
    return url.set(password=secret) if secret else url


def use_for_session(url_text: str, password: str) -> None:
    """Keep the password in memory for this process's connections to that login."""
    login = _postgres_login(url_text)
    if login is None:
        raise ValueError("a password is kept only for a PostgreSQL URL with a user name")
    with _session_lock:
        _session[account(login)] = password


def forget_session(url_text: str | None = None) -> None:
    """Drop the typed password of one login (or of all, at sign-out)."""
    with _session_lock:
        if url_text is None:
            _session.clear()
            return
        login = _postgres_login(url_text)
        if login is not None:
            _session.pop(account(login), None)


def stored_password(url_text: str) -> str | None:
    """The password kept in the keyring for this login (None: none, or no keyring)."""
    login = _postgres_login(url_text)
    if login is None or not keyring_status().usable:
        return None
    try:
        return keyring.get_password(SERVICE, account(login))
    except KeyringError as exc:  # a locked or broken keyring: use the other sources
        log.info("keyring unavailable (%s); no stored password used", type(exc).__name__)
        return None


def store_password(url_text: str, password: str) -> str:
    """Keep the password in the keyring for this database login; returns the account.
    Raises KeyringError when no usable keyring exists (it never falls back to a file)."""
    login = _postgres_login(url_text)
    if login is None:
        raise ValueError("a password is stored only for a PostgreSQL URL with a user name")
    status = keyring_status()
    if not status.usable:
        raise KeyringError(status.reason)
    name = account(login)
    keyring.set_password(SERVICE, name, password)
    return name


def forget_password(url_text: str) -> None:
    """Remove the remembered password of this login from the keyring (if any)."""
    login = _postgres_login(url_text)
    if login is None or not keyring_status().usable:
        return
    try:
        keyring.delete_password(SERVICE, account(login))
    except PasswordDeleteError:
        pass  # none was stored
    except KeyringError as exc:
        log.info("could not remove a remembered password (%s)", type(exc).__name__)


@dataclass(frozen=True)
class KeyringStatus:
    usable: bool
    reason: str | None = None  # why not, in words for the sign-in dialog
    backend: str = ""


# Backends that would keep a password in a file the user (or a backup) can read.
_FILE_BACKENDS = ("keyrings.alt.file", "keyrings.alt.Gnome", "keyring.backends.null")


def keyring_status() -> KeyringStatus:
    """Whether passwords can be remembered here, and if not, why."""
    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # noqa: BLE001 - a broken keyring configuration is not ours
        return KeyringStatus(False, f"the keyring could not be loaded ({type(exc).__name__})")
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    from keyring.backends import fail

    if isinstance(backend, fail.Keyring):
        return KeyringStatus(
            False,
            "this computer has no password store (keyring) Discharge Hub can use",
            name,
        )
    if name.startswith(_FILE_BACKENDS) or "plaintext" in name.lower():
        return KeyringStatus(
            False, "the only keyring here would keep passwords in a plain file", name
        )
    return KeyringStatus(True, None, name)
