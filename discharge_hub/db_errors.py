"""The one place where SQLAlchemy and driver errors become errors of the environment.

What a user reads is the driver's first line at most: PostgreSQL puts the values of a
failing row (an NHS number, a name) in the error's DETAIL, which is never shown or
logged (:mod:`discharge_hub.logs` scrubs it from anything that reaches a log).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import exc as sa_exc
from sqlalchemy.orm.exc import StaleDataError

from discharge_hub.errors import (
    ConflictError,
    DatabaseError,
    DatabaseUnreachableError,
    PermissionDeniedError,
    SignInError,
)

if TYPE_CHECKING:
    from discharge_hub.services.people import Permissions

DISK_FULL = (
    "The disk holding the database is full: nothing was saved. Free some space (or ask "
    "IT to), then save again; what you typed is still on screen."
)
UNREACHABLE = "The database is unreachable"
# SQLSTATEs of a connection that failed or was ended by the server (class 08, and the
# server shutting down, crashing or still starting).
_GONE = ("57P01", "57P02", "57P03")
_SIGN_IN = ("28P01", "28000")  # invalid_password, invalid_authorization_specification
_REFUSED_TEXT = ("password authentication failed", "no password supplied", 'role "')


def first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _sqlstate(exc: sa_exc.DBAPIError) -> str:
    return str(getattr(exc.orig, "sqlstate", None) or "")


def is_disk_full(exc: sa_exc.DBAPIError) -> bool:
    orig = exc.orig
    if getattr(orig, "sqlstate", None) in ("53100", "53000"):  # disk_full, insufficient res.
        return True
    if getattr(orig, "sqlite_errorname", None) == "SQLITE_FULL":
        return True
    text = str(orig).lower()
    return "disk is full" in text or "no space left on device" in text


def is_sign_in_refused(exc: sa_exc.DBAPIError) -> bool:
    text = first_line(exc)
    return (
        _sqlstate(exc) in _SIGN_IN
        or any(t in text for t in _REFUSED_TEXT[:2])
        or (_REFUSED_TEXT[2] in text and "does not exist" in text)
    )


def is_unreachable(exc: sa_exc.DBAPIError) -> bool:
    """The server did not answer or dropped the connection (not a refusal of the SQL)."""
    if exc.connection_invalidated:
        return True
    if exc.orig is None or exc.orig.__class__.__module__.startswith("sqlite3"):
        return False
    state = _sqlstate(exc)
    if state.startswith("08") or state in _GONE:
        return True
    # libpq's own failures (refused, timed out, host unknown) carry no SQLSTATE.
    return not state and isinstance(exc, sa_exc.OperationalError) and not is_sign_in_refused(exc)


def opening_error(exc: sa_exc.DBAPIError, label: str) -> DatabaseError:
    """The error to show when the database could not be opened at all."""
    if is_sign_in_refused(exc):
        return SignInError(
            f"The server refused the sign-in to {label}: {first_line(exc)}. Check the user "
            "name and password."
        )
    if is_unreachable(exc):
        return DatabaseUnreachableError(f"{UNREACHABLE} ({label}): {first_line(exc)}")
    return DatabaseError(f"Cannot open the database {label}: {first_line(exc)}")


def refusal(exc: sa_exc.DBAPIError, permissions: Permissions | None) -> PermissionDeniedError:
    """A write the server refused for the signed-in role, said plainly."""
    text = first_line(exc)
    who = f" for {permissions.who}" if permissions is not None else ""
    # The server's own words name tables and policies, not what the user tried: said
    # in the user's terms (who is already named once, in ``who``).
    if "row-level security" in text and permissions is not None:
        council = permissions.place_name or permissions.place_code or "your council"
        text = f"you may change these only for patients of {council}"
    elif text.startswith("permission denied for"):
        text = "your role may not make this change"
    return PermissionDeniedError(f"Not allowed{who}: {text}. Nothing was saved.")


def _is_refusal(exc: sa_exc.DBAPIError) -> bool:
    if _sqlstate(exc) == "42501":  # insufficient_privilege (grants, row security, ours)
        return True
    from discharge_hub.access_sql import INSERT_ONLY

    return INSERT_ONLY in str(exc.orig)  # SQLite's trigger on the audit trail


@contextmanager
def map_db_errors(permissions: Permissions | None = None) -> Iterator[None]:
    """Driver errors → :class:`DatabaseError` (unreachable, busy, full, refused sign-in),
    :class:`ConflictError` or :class:`PermissionDeniedError`; anything else is a bug."""
    try:
        yield
    except StaleDataError as exc:
        raise ConflictError("record", None, changed_by=None, changed_at=None) from exc
    except sa_exc.DBAPIError as exc:
        mapped = _mapped(exc, permissions)
        if mapped is None:
            raise
        raise mapped from exc


def _mapped(exc: sa_exc.DBAPIError, permissions: Permissions | None) -> Exception | None:
    if is_disk_full(exc):
        return DatabaseError(DISK_FULL)
    if _is_refusal(exc):
        return refusal(exc, permissions)
    if isinstance(exc, sa_exc.IntegrityError):
        table = _unique_violation_table(exc)
        # Two users created the same record at the same moment; the other saved first.
        # Any other integrity error is a bug, not the environment.
        return ConflictError(table, None, changed_by=None, changed_at=None) if table else None
    if is_sign_in_refused(exc):
        return SignInError(f"The server refused the sign-in: {first_line(exc)}")
    if is_unreachable(exc):
        return DatabaseUnreachableError(f"{UNREACHABLE} ({first_line(exc)}).")
    if isinstance(exc, sa_exc.OperationalError):
        text = first_line(exc)
        if "locked" in text or "busy" in text or _sqlstate(exc).startswith("40"):
            return DatabaseError(
                "The database is busy (another user is saving). Try again in a moment."
            )
        if _sqlstate(exc):
            return DatabaseError(f"The database refused the operation: {text}")
        return DatabaseError(f"The database could not be reached: {text}")
    return None


def _unique_violation_table(exc: sa_exc.IntegrityError) -> str | None:
    """The table (as a label) whose unique constraint ``exc`` violated, else None."""
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == "23505":  # psycopg: unique_violation
        diag = getattr(orig, "diag", None)
        return str(getattr(diag, "table_name", None) or "record").replace("_", " ")
    text = str(orig)
    if text.startswith("UNIQUE constraint failed: "):  # sqlite3
        return text.split(": ", 1)[1].split(".", 1)[0].replace("_", " ")
    return None
