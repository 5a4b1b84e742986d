"""Database passwords live in the operating system's keyring, never in files.

A PostgreSQL URL given without a password (``postgresql://jsmith@dbhost/discharge_hub``)
gets it from the keyring entry for that user, host, port and database, stored by
``discharge-hub db set-password``. No keyring (a headless server): the URL is used
as given (trust or peer authentication, ``.pgpass`` or ``PGPASSWORD``).
"""

from __future__ import annotations

import logging

import keyring
from keyring.errors import KeyringError
from sqlalchemy.engine import URL, make_url

SERVICE = "discharge-hub"
log = logging.getLogger(__name__)


def account(url: URL) -> str:
    """The keyring user name of a database login: ``user@host:port/database``."""
    return f"{url.username}@{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"


def with_password(url_text: str) -> URL:
    """The URL, with the password from the keyring if it has none and one is stored."""
    url = make_url(url_text)
    if url.get_backend_name() != "postgresql" or not url.username or url.password:
        return url
    try:
        secret = keyring.get_password(SERVICE, account(url))
    except KeyringError as exc:  # no usable keyring here: fall back to other auth
        log.info(
            "keyring unavailable (%s); connecting without a stored password", type(exc).__name__
        )
        return url
    return url.set(password=secret) if secret else url


def store_password(url_text: str, password: str) -> str:
    """Keep the password in the keyring for this database login; returns the account."""
    url = make_url(url_text)
    if url.get_backend_name() != "postgresql" or not url.username:
        raise ValueError("a password is stored only for a PostgreSQL URL with a user name")
    name = account(url)
    keyring.set_password(SERVICE, name, password)
    return name
