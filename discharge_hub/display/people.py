"""People's names as others read them: "Jane Smith", not "Jane Smith (jsmith)" or a
login id, in notices, history and "printed by" lines.

An actor is stamped on every change as "Display Name (login)" when the person has a
name in the database, else as the login (:attr:`services.people.Permissions.actor`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the error messages use this module; services import those
    from discharge_hub.services.people import Permissions

_NAMED = re.compile(r"^(?P<name>.+?) \((?P<login>[^()]+)\)$")


def person_name(actor: str | None, names: Mapping[str, str] | None = None) -> str:
    """The name in an actor stamp: "Jane Smith (jsmith)" -> "Jane Smith"; a bare login
    is looked up in ``names`` (login -> display name) and shown as itself if unknown."""
    if not actor:
        return "someone"
    found = _NAMED.match(actor)
    if found is not None:
        return found["name"]
    return (names or {}).get(actor, actor)


def login_of(actor: str) -> str:
    """The login in an actor stamp (to compare with the signed-in person)."""
    found = _NAMED.match(actor)
    return found["login"] if found is not None else actor


def is_me(actor: str | None, me: str) -> bool:
    """Whether a stamp is the signed-in person's (``me``: their own actor stamp)."""
    return actor is not None and login_of(actor) == login_of(me)


def current_login() -> str:
    """Who is using this computer: the operating system's record of the login (not
    $USER/$LOGNAME, which anyone can set). The one place the desktop, the reports and
    the imports ask; on the shared database the server says who (``Permissions``)."""
    from discharge_hub.services.people import os_login

    return os_login()


def current_user_name(permissions: Permissions | None = None) -> str:
    """The signed-in person's name: the database's display name, else the login (on the
    embedded database, the operating system's record of who is logged in)."""
    if permissions is None:
        return current_login()
    return permissions.display_name or permissions.login
