"""What the bench scripts share: a fresh database to measure in, dropped afterwards.

From a bench script (``bench/`` is on ``sys.path`` when it runs)::

    from support import fresh_database

    with fresh_database("postgresql") as url:  # or "sqlite": a file in a temporary folder
        ...
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

# The server's maintenance database: new databases are made and dropped from it.
PG_ADMIN = os.environ.get("DISCHARGE_HUB_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def sqlite_database(name: str = "bench.sqlite3") -> Iterator[str]:
    """The path of a new SQLite file in a temporary folder (removed afterwards)."""
    with tempfile.TemporaryDirectory(prefix="dh_bench_") as folder:
        yield str(Path(folder) / name)


@contextmanager
def pg_database() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database ``dh_bench_<random>`` (dropped
    afterwards, whatever is still connected to it)."""
    name = f"dh_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def fresh_database(backend: str, sqlite_name: str = "bench.sqlite3") -> Iterator[str]:
    """A new database of ``backend`` ("sqlite" or "postgresql"): its path or URL."""
    with sqlite_database(sqlite_name) if backend == "sqlite" else pg_database() as url:
        yield url
