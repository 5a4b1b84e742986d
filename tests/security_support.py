"""People for the security tests: PostgreSQL logins of this run, made through the real
``dh_user_add`` function and dropped afterwards (roles belong to the whole server)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.engine import make_url

from discharge_hub.db import Database
from discharge_hub.services import people, placements
from tests.conftest import ROLE_PREFIX, _pg_admin
from tests.core_support import admit, on_pathway

RUTLAND, LEICESTER = "E06000017", "E06000016"
_numbers = itertools.count(1)


def login_url(url: str, login: str) -> str:
    return make_url(url).set(username=login, password=None).render_as_string(hide_password=False)


@dataclass
class Logins:
    """Makes logins in one database (as its owner) and drops them at the end."""

    url: str
    made: list[str]

    def add(self, role: str, *, place: str | None = None, name: str | None = None) -> str:
        """A new login in ``role``; returns the URL to sign in as it."""
        login = f"{ROLE_PREFIX}u{next(_numbers)}"
        owner = Database.open(self.url)
        try:
            with owner.unit_of_work("it") as s:
                people.add_person(s, login=login, role=role, place=place, display_name=name)
        finally:
            owner.dispose()
        self.made.append(login)
        return login_url(self.url, login)

    def drop(self) -> None:
        with _pg_admin() as conn:
            for login in self.made:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                    (login,),
                )
                conn.execute(f'DROP ROLE IF EXISTS "{login}"')


@contextmanager
def logins(url: str) -> Iterator[Logins]:
    made = Logins(url, [])
    try:
        yield made
    finally:
        made.drop()


@dataclass(frozen=True)
class Placed:
    spell_id: int
    placement_id: int


def spell_with_placement(db: Database, n: int, place: str, bed: str = "B1") -> Placed:
    """An admitted patient of ``place`` on P1 with a requested placement."""
    spell = on_pathway(db, admit(db, n, bed=bed, place=place), "P1")
    with db.unit_of_work("hub") as s:
        p = placements.request_placement(
            s, spell_id=spell.id, expected_version=None, service_type="reablement"
        )
    return Placed(spell.id, p.id)
