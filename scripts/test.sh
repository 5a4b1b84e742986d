#!/usr/bin/env bash
# Set up everything and run the whole test suite: SQLite and PostgreSQL, core and Qt.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh" test

# The PostgreSQL tests must run, not skip: start the server if it is down.
PGHOST_ADDR=127.0.0.1
if ! pg_isready -q -h "$PGHOST_ADDR" -p 5432 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "Starting PostgreSQL…"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  for _ in $(seq 1 30); do
    pg_isready -q -h "$PGHOST_ADDR" -p 5432 2>/dev/null && break
    sleep 1
  done
fi
if ! pg_isready -q -h "$PGHOST_ADDR" -p 5432; then
  echo "PostgreSQL is not reachable on $PGHOST_ADDR:5432; the PostgreSQL tests cannot run." >&2
  exit 1
fi

export QT_QPA_PLATFORM=offscreen
.venv/bin/python -m ruff check discharge_hub tests bench migrations
.venv/bin/python -m ruff format --check discharge_hub tests bench migrations
.venv/bin/python -m mypy
# Two workers (CI has 2 cores; much of a test's time is spent waiting on PostgreSQL,
# subprocesses and Qt): each worker has its own PostgreSQL databases and roles (RUN_ID).
exec .venv/bin/python -m pytest -q -p no:cacheprovider -n "${PYTEST_WORKERS:-2}" "$@"
