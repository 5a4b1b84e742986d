"""Fixtures: a frozen clock, and a real database per test (SQLite file and PostgreSQL).

Time is frozen for the whole run (docs/testing.md): every test runs at ``FROZEN_AT``
(Tue 24 Nov 2026 10:30 UK time) unless it is marked ``clock_edges``, which runs it
again at each of ``EDGE_INSTANTS`` (around midnight, in GMT and in BST, on the days the
clocks change). The program's clock, Python's own wall clock (time-machine) and the
``python -m discharge_hub`` subprocesses (``DISCHARGE_HUB_FAKE_NOW``) all agree.

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
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import psycopg
import pytest
import time_machine

from discharge_hub import clock
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


# --- the frozen clock -----------------------------------------------------------------


def uk(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """An instant given as UK wall-clock time (a time that exists in the UK)."""
    at = datetime(year, month, day, hour, minute, tzinfo=clock.LONDON)
    assert at.astimezone(UTC).astimezone(clock.LONDON).replace(tzinfo=None) == at.replace(
        tzinfo=None
    ), f"{at:%d/%m/%Y %H:%M} does not exist in the UK"
    return at.astimezone(UTC)


FROZEN_AT = uk(2026, 11, 24, 10, 30)  # a Tuesday in GMT, mid-morning
# The frozen UK date: clock.today() in every test not marked clock_edges (those use
# clock.today(), days() and admitted(), which follow the instant the test runs at).
TODAY = FROZEN_AT.astimezone(clock.LONDON).date()

# Where date arithmetic goes wrong: just after and just before midnight, in GMT and in
# BST (when the UK day starts at 23:00 UTC the day before), and on the days the clocks
# change: 29 Mar 2026 forward at 01:00 GMT (a 23-hour day), 25 Oct 2026 back at
# 02:00 BST (a 25-hour day). Together with FROZEN_AT (a GMT day, mid-morning) each
# of 00:05 and 23:55 is run in GMT and in BST.
EDGE_INSTANTS = {
    "gmt-2355": uk(2026, 1, 13, 23, 55),
    "bst-0005": uk(2026, 7, 14, 0, 5),  # 23:05 UTC on 13 July
    "spring-forward-0005": uk(2026, 3, 29, 0, 5),  # still GMT
    "spring-forward-2355": uk(2026, 3, 29, 23, 55),  # BST
    "fall-back-0005": uk(2026, 10, 25, 0, 5),  # still BST: 23:05 UTC on 24 Oct
    "fall-back-2355": uk(2026, 10, 25, 23, 55),  # GMT
}

_session_travel: time_machine.travel | None = None


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--frozen-at",
        metavar="ISO",
        help="run every test at this instant instead of FROZEN_AT "
        "(an ISO 8601 instant with its offset, e.g. 2026-07-14T00:05+01:00)",
    )


def pytest_configure(config: pytest.Config) -> None:
    global FROZEN_AT, TODAY, _session_travel
    given = config.getoption("--frozen-at", None)
    if given:
        at = datetime.fromisoformat(given)
        if at.tzinfo is None:
            raise pytest.UsageError("--frozen-at needs the UTC offset, e.g. +00:00")
        FROZEN_AT = at.astimezone(UTC)
        TODAY = FROZEN_AT.astimezone(clock.LONDON).date()
    # From the start, so module-level values, session fixtures and the migrations that
    # build the templates see the frozen instant too.
    clock.freeze(FROZEN_AT)
    os.environ[clock.FAKE_NOW_VARIABLE] = FROZEN_AT.isoformat()
    _session_travel = time_machine.travel(FROZEN_AT, tick=True)
    _session_travel.start()


def pytest_unconfigure(config: pytest.Config) -> None:
    if _session_travel is not None:
        _session_travel.stop()
    clock.freeze(None)
    os.environ.pop(clock.FAKE_NOW_VARIABLE, None)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("clock_edges"):
        metafunc.parametrize(
            "frozen_instant",
            [FROZEN_AT, *EDGE_INSTANTS.values()],
            ids=["frozen", *EDGE_INSTANTS],
            indirect=True,
        )


@pytest.fixture
def frozen_instant(request: pytest.FixtureRequest) -> datetime:
    """The instant this test runs at: FROZEN_AT, or one of EDGE_INSTANTS (clock_edges)."""
    return getattr(request, "param", FROZEN_AT)


@pytest.fixture(autouse=True)
def frozen_clock(frozen_instant: datetime, monkeypatch: pytest.MonkeyPatch) -> Iterator[datetime]:
    """Every test runs with the clock set at its instant, in every thread.

    ``clock.now()`` is the instant (moving on at the real pace); ``python -m
    discharge_hub`` subprocesses get it through DISCHARGE_HUB_FAKE_NOW; time-machine
    moves Python's own wall clock there too (ticking, so pytest-qt's timeouts still run
    out) for any library or test that reads it. The machine's time zone is left
    alone: the suite must pass in any.
    """
    if frozen_instant == FROZEN_AT:
        # The session's clock, set at FROZEN_AT when the run started and moving on from
        # there: never set back, so nothing a test writes is older than the session's
        # templates (the demo data) and "newest first" stays true across fixtures. A run
        # takes minutes; FROZEN_AT's day is hours from its end.
        monkeypatch.setenv(clock.FAKE_NOW_VARIABLE, clock.now().isoformat())
        yield frozen_instant
        return
    monkeypatch.setenv(clock.FAKE_NOW_VARIABLE, frozen_instant.isoformat())
    with clock.frozen(frozen_instant), time_machine.travel(frozen_instant, tick=True):
        yield frozen_instant


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


def in_hours(hours: float) -> datetime:
    """UK wall-clock time (naive, as users type it) ``hours`` from now (negative: ago)."""
    return clock.local(clock.now()).replace(tzinfo=None) + timedelta(hours=hours)


def admitted(days_ago: int = 5) -> datetime:
    """An admission time ``days_ago`` UK days before today, in UK wall-clock time (naive,
    as PAS gives it): 10:00, or a minute ago if 10:00 today is still to come."""
    at = datetime.combine(clock.today() - timedelta(days=days_ago), time(10))
    return min(at, in_hours(-1 / 60))
