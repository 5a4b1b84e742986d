"""The soak's promises, on a small scale (bench/bench_soak.py runs the full 20 × 200 and
records the timing): people saving the same spells at once through their own logins —
every accepted write is in the audit trail under its author, every refusal is a
conflict, nothing else fails, and each field ends as its last accepted write."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import ROLE_PREFIX, _pg_admin

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import bench_soak  # noqa: E402


@pytest.mark.postgres
@pytest.mark.slow
def test_concurrent_saves_keep_every_promise(pg_url_fresh: str) -> None:
    prefix = f"{ROLE_PREFIX}soak"
    try:
        result = bench_soak.run_soak(
            pg_url_fresh, prefix, processes=4, edits=25, spells_count=4, seconds=120
        )
    finally:
        with _pg_admin() as conn:
            for i in range(4):
                conn.execute(f'DROP ROLE IF EXISTS "{prefix}p{i}"')
    assert result.problems == []
    assert result.errors == []
    assert result.accepted + result.conflicts + sum(o.unchanged for o in result.outcomes) == 100
    assert result.accepted > 0
    assert {o.actor for o in result.outcomes} == {f"Soak {i} ({prefix}p{i})" for i in range(4)}
