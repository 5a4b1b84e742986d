"""``discharge-hub users add|disable|list`` (contract names): the owner makes the first
admin, an admin the rest; anyone else, and the embedded database, are refused in one
plain line; a disabled login can no longer connect; a password is stored hashed."""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg
import pytest

from tests.cli.conftest import ROOT, run_cli
from tests.conftest import ROLE_PREFIX, _pg_admin
from tests.security_support import login_url


def run_with_stdin(stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DISCHARGE_HUB_DB"}
    return subprocess.run(
        [sys.executable, "-m", "discharge_hub", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )


def one_line_refusal(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.postgres
def test_people_are_added_listed_and_disabled_by_admins_only(pg_url_fresh: str) -> None:
    ada, sam, cora = (f"{ROLE_PREFIX}{n}" for n in ("ada", "sam", "cora"))
    try:
        first = run_with_stdin(
            "first-Pa55word\n", "users", "add", ada, "--role", "admin", "--name", "Ada Admin",
            "--password-stdin", "--db", pg_url_fresh,
        )  # fmt: skip
        assert first.returncode == 0, first.stderr
        assert f"{ada}: added as admin" in first.stdout
        as_ada = login_url(pg_url_fresh, ada)
        added = run_cli(
            "users", "add", sam, "--role", "social_care", "--place", "Rutland",
            "--name", "Sam Social", "--db", as_ada,
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        assert "social_care for E06000017" in added.stdout
        run_cli("users", "add", cora, "--role", "coordinator", "--db", as_ada)
        one_line_refusal(
            run_cli("users", "add", "x" + sam, "--role", "social_care", "--db", as_ada),
            "--place",
        )
        one_line_refusal(
            run_cli("users", "add", sam, "--role", "viewer", "--db", as_ada), "already exists"
        )
        one_line_refusal(
            run_cli("users", "add", "Bad Name", "--role", "viewer", "--db", as_ada), "login"
        )
        listed = run_cli("users", "list", "--db", as_ada)
        assert listed.returncode == 0, listed.stderr
        line = next(x for x in listed.stdout.splitlines() if x.startswith(sam))
        assert "Sam Social" in line and "social_care" in line and "E06000017" in line
        for command in (("list",), ("disable", ada), ("add", "zz" + cora, "--role", "viewer")):
            refused = run_cli("users", *command, "--db", login_url(pg_url_fresh, cora))
            one_line_refusal(refused, "only a hub admin", "coordinator")
        disabled = run_cli("users", "disable", sam, "--db", as_ada)
        assert disabled.returncode == 0, disabled.stderr
        with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
            psycopg.connect(login_url(pg_url_fresh, sam).replace("+psycopg", ""))
        one_line_refusal(run_cli("users", "disable", ada, "--db", as_ada), "your own login")
        one_line_refusal(run_cli("users", "enable", cora, "--db", as_ada), "already active")
        one_line_refusal(run_cli("users", "enable", "nobody", "--db", as_ada), "no Discharge")
        enabled = run_cli("users", "enable", sam, "--db", as_ada)
        assert enabled.returncode == 0, enabled.stderr
        as_sam = login_url(pg_url_fresh, sam).replace("+psycopg", "")
        with psycopg.connect(as_sam) as conn:  # back in their group, for their council
            place = conn.execute("SELECT dh_my_place()").fetchone()
        assert place == ("E06000017",)
        after = run_cli("users", "list", "--db", as_ada).stdout
        assert next(x for x in after.splitlines() if x.startswith(sam)).endswith("active")
        with _pg_admin() as conn:
            stored = conn.execute(
                "SELECT rolpassword FROM pg_authid WHERE rolname = %s", (ada,)
            ).fetchone()
        assert stored is not None and stored[0].startswith("SCRAM-SHA-256$")
    finally:
        with _pg_admin() as conn:
            for login in (ada, sam, cora):
                conn.execute(f'DROP ROLE IF EXISTS "{login}"')


def test_the_embedded_database_is_single_user(sqlite_url: str) -> None:
    result = run_cli("users", "list", "--db", sqlite_url)
    one_line_refusal(result, "single-user", "PostgreSQL")
