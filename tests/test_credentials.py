"""Passwords come from the OS keyring (a real keyring backend, kept in memory here)."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from discharge_hub import credentials
from discharge_hub.db import create_db_engine


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.store.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_stored_password_is_used_for_the_same_login(memory_keyring: MemoryKeyring) -> None:
    name = credentials.store_password("postgresql+psycopg://jsmith@dbhost:5433/dh", "s3cret")
    assert name == "jsmith@dbhost:5433/dh"
    assert memory_keyring.store == {("discharge-hub", "jsmith@dbhost:5433/dh"): "s3cret"}
    url = credentials.with_password("postgresql+psycopg://jsmith@dbhost:5433/dh")
    assert url.password == "s3cret"
    # Another user or database gets nothing.
    assert credentials.with_password("postgresql+psycopg://other@dbhost:5433/dh").password is None
    assert credentials.with_password("postgresql+psycopg://jsmith@dbhost:5433/x").password is None


def test_engine_gets_the_password_but_never_shows_it(memory_keyring: MemoryKeyring) -> None:
    credentials.store_password("postgresql+psycopg://jsmith@dbhost/dh", "s3cret")
    engine = create_db_engine("postgresql+psycopg://jsmith@dbhost/dh")
    assert engine.url.password == "s3cret"
    assert "s3cret" not in str(engine.url)
    engine.dispose()


def test_no_keyring_falls_back_to_the_url_as_given() -> None:
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        url = credentials.with_password("postgresql+psycopg://jsmith@dbhost/dh")
    finally:
        keyring.set_keyring(previous)
    assert url.username == "jsmith" and url.password is None


def test_sqlite_urls_are_left_alone(memory_keyring: MemoryKeyring) -> None:
    with pytest.raises(ValueError):
        credentials.store_password("sqlite:///x.sqlite3", "pw")
    assert credentials.with_password("sqlite:///x.sqlite3").password is None
