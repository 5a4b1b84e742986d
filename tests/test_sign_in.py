"""Signing in: the password is kept in the keyring only when "remember" is ticked, is
never written to a file, and with no usable keyring the program says why; a URL without
a password takes it from the keyring, PGPASSWORD, .pgpass or a service file; an
unreachable server or an unknown login is a clear error, not a crash."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from sqlalchemy.engine import make_url

from discharge_hub import credentials, live, signin
from discharge_hub.db import Database
from discharge_hub.errors import DatabaseUnreachableError, SignInError, ValidationError
from tests.security_support import logins
from tests.test_credentials import MemoryKeyring

SECRET = "correct-horse-7"


@pytest.fixture(autouse=True)
def private_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """This user's configuration, data and log folders, all in one place to search."""
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    yield tmp_path
    credentials.forget_session()


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def person(pg_url_fresh: str) -> Iterator[signin.ConnectionDetails]:
    with logins(pg_url_fresh) as made:
        url = make_url(made.add("coordinator", name="Cora Ward"))
        yield signin.ConnectionDetails(
            url.host or "", url.port or 5432, url.database or "", url.username or ""
        )


def files_containing(folder: Path, secret: str) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


@pytest.mark.postgres
def test_remembered_only_when_ticked_and_never_in_a_file(
    person: signin.ConnectionDetails, memory_keyring: MemoryKeyring, private_folders: Path
) -> None:
    url = person.url()
    first = signin.sign_in(person, SECRET, remember=True)
    try:
        assert first.remembered and first.note is None
        assert first.database.permissions.actor.startswith("Cora Ward (")
        assert first.database.engine.url.password == SECRET  # what the pool reconnects with
    finally:
        first.database.dispose()
    assert memory_keyring.store == {("discharge-hub", credentials.account(make_url(url))): SECRET}
    credentials.forget_session()
    # Next time: nothing typed, the keyring has it.
    assert credentials.with_password(url).password == SECRET
    again = signin.sign_in(person, None, remember=True)
    again.database.dispose()
    # Unticked: forgotten.
    third = signin.sign_in(person, SECRET, remember=False)
    third.database.dispose()
    assert memory_keyring.store == {}
    saved = signin.load_details()
    assert saved == person and (signin.details_path().stat().st_mode & 0o077) == 0
    assert files_containing(private_folders, SECRET) == []


@pytest.mark.postgres
def test_with_no_keyring_it_asks_each_time_and_says_why(
    person: signin.ConnectionDetails, no_keyring: None, private_folders: Path
) -> None:
    status = credentials.keyring_status()
    assert not status.usable and "no password store" in (status.reason or "")
    signed = signin.sign_in(person, SECRET, remember=True)
    try:
        assert not signed.remembered
        assert signed.note is not None and "no password store" in signed.note
        # This session's own connections (reconnects, the live listener) still have it.
        assert credentials.with_password(person.url()).password == SECRET
        listener = live.open_listener(signed.database.url)
        assert isinstance(listener, live.PgListener)
        assert make_url(listener._conninfo()).password == SECRET
    finally:
        signed.database.dispose()
    credentials.forget_session()
    assert credentials.with_password(person.url()).password is None
    assert files_containing(private_folders, SECRET) == []


@pytest.mark.postgres
def test_a_url_without_password_uses_pgpassword_pgpass_or_a_service_file(
    pg_url_fresh: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_keyring: None
) -> None:
    url = make_url(pg_url_fresh)

    def password_used(target: str) -> str | None:
        db = Database.open(target)
        try:
            raw = db.engine.raw_connection()
            try:
                return raw.driver_connection.info.password  # type: ignore[union-attr]
            finally:
                raw.close()
        finally:
            db.dispose()

    monkeypatch.setenv("PGPASSWORD", "from-env")
    assert password_used(pg_url_fresh) == "from-env"
    monkeypatch.delenv("PGPASSWORD")
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"{url.host}:{url.port}:{url.database}:{url.username}:from-pgpass\n")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    assert password_used(pg_url_fresh) == "from-pgpass"
    services = tmp_path / "pg_service.conf"
    services.write_text(
        f"[hubtest]\nhost={url.host}\nport={url.port}\ndbname={url.database}\nuser={url.username}\n"
    )
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    assert password_used("postgresql:///?service=hubtest") == "from-pgpass"


@pytest.mark.postgres
def test_an_unknown_login_is_a_sign_in_error(pg_url_fresh: str) -> None:
    details = signin.ConnectionDetails.from_url(pg_url_fresh)
    stranger = signin.ConnectionDetails(details.host, details.port, details.database, "nobody_x")
    with pytest.raises(SignInError, match="refused the sign-in"):
        signin.sign_in(stranger, "pw", remember=False)
    with pytest.raises(SignInError):
        signin.check_connection(stranger, None)


def test_an_unreachable_server_is_said_plainly(no_keyring: None) -> None:
    closed = signin.ConnectionDetails("127.0.0.1", 1, "discharge_hub", "jsmith")
    with pytest.raises(DatabaseUnreachableError, match="unreachable") as info:
        signin.sign_in(closed, SECRET, remember=True)
    assert SECRET not in str(info.value)
    assert credentials.with_password(closed.url()).password is None  # not kept after failing
    with pytest.raises(DatabaseUnreachableError):
        signin.check_connection(closed, None)


@pytest.mark.postgres
def test_check_connection_says_who_the_server_takes_us_for(
    person: signin.ConnectionDetails, no_keyring: None
) -> None:
    said = signin.check_connection(person, SECRET)
    assert "Cora Ward" in said and "coordinator" in said and SECRET not in said


@pytest.mark.parametrize(
    ("details", "field"),
    [
        (signin.ConnectionDetails("", 5432, "dh", "u"), "server"),
        (signin.ConnectionDetails("db", 70000, "dh", "u"), "port"),
        (signin.ConnectionDetails("db", 5432, "dh", "two words"), "user"),
    ],
)
def test_bad_details_name_the_field(details: signin.ConnectionDetails, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        details.checked()
    assert info.value.field == field
