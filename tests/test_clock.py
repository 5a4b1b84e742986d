"""The one clock: UK dates whatever the machine's time zone, frozen in tests (in every
thread and in subprocesses), and the only place the program reads the wall clock."""

from __future__ import annotations

import ast
import logging
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from discharge_hub import clock
from tests.conftest import EDGE_INSTANTS, FROZEN_AT, TODAY, uk

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "discharge_hub"


# --- the frozen clock the suite runs on ------------------------------------------------


def near(actual: datetime, start: datetime) -> bool:
    """The set clock moves on from where it was set, at the real pace: ``actual`` is at
    or after ``start``, within the run (the session's clock is never set back)."""
    return start <= actual < start + timedelta(hours=1)


def test_every_test_runs_at_the_frozen_instant(frozen_clock: datetime) -> None:
    assert frozen_clock == FROZEN_AT and near(clock.now(), FROZEN_AT)
    assert clock.now().tzinfo is UTC
    assert TODAY == clock.today() == FROZEN_AT.astimezone(clock.LONDON).date()
    # Python's own clock is moved there too (ticking from it) for stray readers. It ticks
    # from the start of the run, like clock.now(): a loaded machine reaches this test more
    # than five minutes in, so the same window as the program's clock (was: 5 minutes).
    assert near(datetime.now(UTC), FROZEN_AT)
    assert near(datetime.fromisoformat(os.environ[clock.FAKE_NOW_VARIABLE]), FROZEN_AT)


def test_the_fixed_clock_moves_on_so_two_actions_never_share_an_instant() -> None:
    first = clock.now()
    time.sleep(0.01)
    second = clock.now()
    assert first < second and second - first < timedelta(seconds=5)


def test_worker_threads_see_the_frozen_clock() -> None:
    seen: list[datetime] = []
    worker = threading.Thread(target=lambda: seen.append(clock.now()))
    worker.start()
    worker.join()
    assert len(seen) == 1 and near(seen[0], FROZEN_AT)


def test_subprocesses_see_the_frozen_clock() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from discharge_hub import clock; print(clock.now().isoformat())"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert near(datetime.fromisoformat(done.stdout.strip()), FROZEN_AT)
    assert clock.FAKE_NOW_VARIABLE in done.stderr  # the warning: not silent


@pytest.mark.clock_edges
def test_edge_instants_freeze_the_clock_too(frozen_clock: datetime) -> None:
    assert near(clock.now(), frozen_clock)
    assert clock.today() == frozen_clock.astimezone(clock.LONDON).date()
    assert frozen_clock in (FROZEN_AT, *EDGE_INSTANTS.values())


def test_the_edge_instants_are_where_they_should_be() -> None:
    def local(name: str) -> str:
        return f"{EDGE_INSTANTS[name].astimezone(clock.LONDON):%Y-%m-%d %H:%M %Z}"

    assert local("bst-0005") == "2026-07-14 00:05 BST"
    assert EDGE_INSTANTS["bst-0005"].date() == date(2026, 7, 13)  # UTC is a day behind
    assert local("spring-forward-0005") == "2026-03-29 00:05 GMT"
    assert local("spring-forward-2355") == "2026-03-29 23:55 BST"
    assert local("fall-back-0005") == "2026-10-25 00:05 BST"
    assert local("fall-back-2355") == "2026-10-25 23:55 GMT"
    assert local("gmt-2355") == "2026-01-13 23:55 GMT"
    with pytest.raises(AssertionError, match="does not exist"):
        uk(2026, 3, 29, 1, 30)  # skipped when the clocks go forward


# --- the clock itself -----------------------------------------------------------------


CASES = [  # instant (UTC), UK date
    (datetime(2026, 7, 13, 23, 5, tzinfo=UTC), date(2026, 7, 14)),  # 00:05 BST
    (datetime(2026, 7, 13, 22, 55, tzinfo=UTC), date(2026, 7, 13)),  # 23:55 BST
    (datetime(2026, 1, 13, 23, 55, tzinfo=UTC), date(2026, 1, 13)),  # 23:55 GMT
    (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), date(2026, 3, 29)),  # 00:59 GMT
    (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), date(2026, 3, 29)),  # 02:00 BST
    (datetime(2026, 10, 24, 23, 5, tzinfo=UTC), date(2026, 10, 25)),  # 00:05 BST
    (datetime(2026, 10, 25, 23, 55, tzinfo=UTC), date(2026, 10, 25)),  # 23:55 GMT
]


@pytest.fixture
def tz(request: pytest.FixtureRequest) -> Iterator[str]:
    """The process's local time zone set to ``request.param`` (restored after)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    yield request.param
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.mark.parametrize("tz", ["Pacific/Kiritimati", "America/Adak", "UTC"], indirect=True)
@pytest.mark.parametrize(("at", "uk_date"), CASES)
def test_today_is_the_uk_date_in_any_machine_time_zone(
    tz: str, at: datetime, uk_date: date, monkeypatch: pytest.MonkeyPatch
) -> None:
    offset = FROZEN_AT.astimezone(ZoneInfo(tz)).utcoffset()
    assert offset is not None and time.localtime().tm_gmtoff == offset.total_seconds()
    with clock.frozen(at):
        assert near(clock.now(), at) and clock.today() == uk_date
    # The same on the real clock's path: time-machine stands in for the machine's clock.
    monkeypatch.setattr(clock, "_frozen_at", None)
    monkeypatch.delenv(clock.FAKE_NOW_VARIABLE)
    with time_machine.travel(at, tick=False):
        assert (clock.now(), clock.today()) == (at, uk_date)


def test_frozen_takes_any_offset_and_restores_what_was_before() -> None:
    summer = datetime(2026, 7, 14, 0, 5, tzinfo=clock.LONDON)
    with clock.frozen(summer) as at:
        assert at == datetime(2026, 7, 13, 23, 5, tzinfo=UTC) and near(clock.now(), at)
        assert clock.now().tzinfo is UTC
        with clock.frozen(datetime(2026, 11, 25, 12, 0, tzinfo=UTC)):
            assert clock.today() == date(2026, 11, 25)
        assert near(clock.now(), at)
    assert near(clock.now(), FROZEN_AT)
    with pytest.raises(ValueError, match="aware"):
        clock.freeze(datetime(2026, 7, 14, 0, 5))


def test_the_environment_variable_fixes_the_clock_and_says_so_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(clock, "_frozen_at", None)  # as in a process nobody froze
    monkeypatch.setenv(clock.FAKE_NOW_VARIABLE, "2026-10-25T00:05:00+01:00")
    clock._parse_fake_now.cache_clear()
    clock._fake_started.cache_clear()
    with caplog.at_level(logging.WARNING, logger="discharge_hub.clock"):
        assert near(clock.now(), datetime(2026, 10, 24, 23, 5, tzinfo=UTC))
        assert clock.today() == date(2026, 10, 25)
        assert clock.fake_now() == datetime(2026, 10, 24, 23, 5, tzinfo=UTC)
    [record] = caplog.records
    assert clock.FAKE_NOW_VARIABLE in record.getMessage()
    assert "25/10/2026 00:05" in record.getMessage() and "training" in record.getMessage()
    monkeypatch.delenv(clock.FAKE_NOW_VARIABLE)
    assert clock.fake_now() is None


@pytest.mark.parametrize("value", ["tomorrow", "2026-11-24T10:30", "24/11/2026 10:30+00:00"])
def test_a_bad_fake_now_is_refused_with_a_clear_message(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clock, "_frozen_at", None)
    monkeypatch.setenv(clock.FAKE_NOW_VARIABLE, value)
    with pytest.raises(clock.FakeNowError, match="ISO 8601 instant with its UTC offset") as info:
        clock.now()
    assert clock.FAKE_NOW_VARIABLE in str(info.value) and repr(value) in str(info.value)


def test_the_command_line_announces_a_fake_clock_and_refuses_a_bad_one(tmp_path: Path) -> None:
    def cli(value: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, clock.FAKE_NOW_VARIABLE: value}
        env.pop("DISCHARGE_HUB_DB", None)
        return subprocess.run(
            [sys.executable, "-m", "discharge_hub", "db", "current", "--db", str(path)],
            capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
        )  # fmt: skip

    path = tmp_path / "never.sqlite3"
    bad = cli("next Tuesday")
    assert bad.returncode == 2, bad.stderr
    assert f"discharge-hub: {clock.FAKE_NOW_VARIABLE}='next Tuesday' is not" in bad.stderr
    assert "Traceback" not in bad.stderr and not path.exists()
    good = cli("2026-07-14T00:05:00+01:00")
    assert "DISCHARGE_HUB_FAKE_NOW is set: the clock is fixed at 14/07/2026 00:05" in good.stderr


# --- nothing else reads the wall clock ---------------------------------------------------

# Calls that read the wall clock (time.perf_counter/monotonic for durations are fine).
TIME_FUNCTIONS = {"time", "time_ns", "localtime", "gmtime", "ctime", "asctime", "strftime"}
NOW_METHODS = {"now", "utcnow", "today"}  # datetime.now, date.today, datetime.today, …
QT_CLOCKS = re.compile(r"current(Date|Time|DateTime|DateTimeUtc|MSecsSinceEpoch|SecsSinceEpoch)$")
SQL_CLOCKS = {"now", "current_date", "current_time", "current_timestamp", "localtime"}
SQL_CLOCKS |= {"localtimestamp", "sysdate", "statement_timestamp", "clock_timestamp"}
SQL_TEXT = re.compile(
    r"\b(current_(date|time|timestamp)|localtimestamp|sysdate)\b|(?<![.\w])now\s*\(\)|'now'", re.I
)


def wall_clock_reads(source: str) -> list[str]:
    """Where ``source`` reads the wall clock other than through discharge_hub.clock."""
    tree = ast.parse(source)
    time_modules = {"time"}
    time_names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            time_modules |= {a.asname or a.name for a in node.names if a.name == "time"}
        elif isinstance(node, ast.ImportFrom) and node.module == "time":
            time_names |= {a.asname or a.name for a in node.names if a.name in TIME_FUNCTIONS}
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if SQL_TEXT.search(node.value):
                found.append((node.lineno, f"SQL clock in {node.value[:40]!r}"))
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in time_names:
            found.append((node.lineno, f"{func.id}()"))
        if not isinstance(func, ast.Attribute):
            continue
        owner = ast.unparse(func.value)
        name = func.attr
        if (
            (owner in time_modules and name in TIME_FUNCTIONS)
            or (name in NOW_METHODS and owner != "clock")
            or QT_CLOCKS.match(name)
            or (owner.endswith("func") and name.lower() in SQL_CLOCKS)
        ):
            found.append((node.lineno, f"{owner}.{name}()"))
    return [f"line {n}: {what}" for n, what in sorted(found)]


# Where the server's own clock is the point: people are added and disabled inside the
# server's security-definer functions (issue 13), stamped with a time the client cannot
# set. Only these files, and only in SQL text.
SERVER_CLOCK = {PACKAGE / "access_sql.py"}


def test_only_the_clock_reads_the_wall_clock() -> None:
    sources = sorted(PACKAGE.rglob("*.py"))
    assert PACKAGE / "ui" / "main_window.py" in sources  # the UI is checked too
    offenders = {
        str(path.relative_to(ROOT)): [
            x
            for x in wall_clock_reads(path.read_text("utf-8"))
            if not (path in SERVER_CLOCK and "SQL clock" in x)
        ]
        for path in sources
        if path != PACKAGE / "clock.py"
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_wall_clock_check_would_catch_each_way_of_reading_it() -> None:
    source = """
import time as t
from time import time as stamp
from datetime import date, datetime
import datetime as dt
from discharge_hub import clock
a = datetime.now(UTC)
b = dt.datetime.utcnow()
c = date.today()
d = t.time()
e = stamp()
f = QDate.currentDate()
g = QDateTime.currentMSecsSinceEpoch()
h = sa.func.now()
i = text("SELECT CURRENT_TIMESTAMP")
j = "date('now')"
fine = (clock.now(), clock.today(), t.perf_counter(), t.monotonic(), datetime.fromisoformat(x))
"""
    found = wall_clock_reads(source)
    assert [line.split(":")[0] for line in found] == [f"line {n}" for n in range(7, 17)], found
