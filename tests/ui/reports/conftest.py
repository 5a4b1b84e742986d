"""The reports' hand-built fixture (tests/reports/conftest.py) for the report screens."""

from tests.reports.conftest import sqlite_fixture  # noqa: F401  (a pytest fixture)
