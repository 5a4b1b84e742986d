"""Fixtures: a real database per test, SQLite file and PostgreSQL, built by migrations.

Each backend's schema is built once per run by the migrations (a template), then
every test gets a fresh copy: a copied SQLite file, or a PostgreSQL database created
from the template. Each run uses databases named with its own random suffix and
drops them at the end, so concurrent runs do not interfere.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from discharge_hub.db import Database
from discharge_hub.services.patients import PatientDetails

PG_ADMIN = os.environ.get("DISCHARGE_HUB_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
RUN_ID = uuid.uuid4().hex[:8]
# PostgreSQL roles belong to the whole server: this run's databases get group roles of
# their own (dh<run>_coordinator, …), dropped at the end (discharge_hub.access).
ROLE_PREFIX = f"dh{RUN_ID}_"
os.environ["DISCHARGE_HUB_ROLE_PREFIX"] = ROLE_PREFIX
# The log file of commands run by the tests goes to a folder of this run, not the user's.
os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix=f"dh_state_{RUN_ID}_")


def _pg_admin() -> psycopg.Connection:
    return psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)


def pg_available() -> bool:
    try:
        with _pg_admin():
            return True
    except psycopg.OperationalError:
        return False


def pg_url(dbname: str) -> str:
    base = PG_ADMIN.rsplit("/", 1)[0]
    return f"{base}/{dbname}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    Database.open(str(path)).dispose()
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    if not pg_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not reachable on 127.0.0.1:5432; in CI it must be")
        pytest.skip("PostgreSQL is not reachable (outside CI only)")
    name = f"dh_tmpl_{RUN_ID}"
    with _pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    Database.open(pg_url(name)).dispose()
    yield name
    with _pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    drop_run_roles()


def drop_run_roles() -> None:
    """Drop this run's group roles and test logins (after its databases are gone)."""
    with _pg_admin() as conn:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT rolname FROM pg_roles WHERE rolname LIKE %s ORDER BY rolcanlogin DESC",
                (f"{ROLE_PREFIX.replace('_', chr(92) + '_')}%",),
            )
        ]
        for role in names:
            try:
                conn.execute(f'DROP ROLE IF EXISTS "{role}"')
            except psycopg.Error as exc:  # a database of this run still refers to it
                print(f"could not drop role {role}: {exc}")


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    target = tmp_path / "discharge_hub.sqlite3"
    shutil.copyfile(sqlite_template, target)
    return f"sqlite:///{target}"


_counter = iter(range(1_000_000))


@pytest.fixture
def pg_url_fresh(pg_template: str) -> Iterator[str]:
    name = f"dh_t_{RUN_ID}_{next(_counter)}"
    with _pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    yield pg_url(name)
    with _pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """A fresh, migrated database URL: each test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_url_fresh"))


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database.open(db_url)
    yield database
    database.dispose()


# --- small builders shared by the tests -------------------------------------------

TODAY = date.today()


def valid_nhs(n: int) -> str:
    """The n-th valid NHS number in the test range 999 000 0000–999 999 9999."""
    from discharge_hub.validators import nhs_check_digit

    seq = 0
    for body in range(999_000_000 + n * 3, 999_999_999):
        nine = str(body)
        check = nhs_check_digit(nine)
        if check is not None:
            if seq == 0:
                return nine + str(check)
            seq -= 1
    raise AssertionError("ran out of test NHS numbers")


def patient(n: int = 0, **overrides: object) -> PatientDetails:
    values: dict[str, object] = {
        "nhs_number": valid_nhs(n),
        "family_name": "O'Neill",
        "given_name": "Zoë",
        "date_of_birth": date(1940, 5, 17),
        "sex": "F",
        "place": "Leicester",
    }
    values.update(overrides)
    return PatientDetails(**values)  # type: ignore[arg-type]


def admitted(days_ago: int = 5) -> datetime:
    return datetime.combine(TODAY - timedelta(days=days_ago), datetime.min.time()).replace(hour=10)
