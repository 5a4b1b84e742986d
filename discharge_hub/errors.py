"""Domain errors: the errors of the environment and of input that users see.

Every error here carries a message fit to show a user as it is. Bugs are not
represented here; they propagate as ordinary exceptions and get a crash report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


class DomainError(Exception):
    """Base of every error a user can act on (bad input, conflict, environment)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ValidationError(DomainError):
    """One rule broken by one value. Names the field, the value and why."""

    def __init__(self, field: str, value: Any, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        shown = "(empty)" if value is None or value == "" else repr(str(value))
        super().__init__(f"{field}: {shown} {reason}")


@dataclass(frozen=True)
class Problem:
    """One invalid field of one row (for reports of many problems at once)."""

    field: str
    value: Any
    reason: str

    def __str__(self) -> str:
        return str(ValidationError(self.field, self.value, self.reason))


class ValidationErrors(DomainError):
    """Several validation problems found together (a form or a CSV row)."""

    def __init__(self, problems: list[ValidationError]) -> None:
        self.problems = problems
        super().__init__("; ".join(p.message for p in problems))


class NotFoundError(DomainError):
    """A record the user referred to does not exist."""


# A record as named in a sentence ("This patient's record was changed by…").
RECORD_WORDS = {"spell": "patient's record", "record": "record"}


class ConflictError(DomainError):
    """Someone else changed the record since this user read it.

    Carries who changed it and when, so the UI can say so and offer a choice.
    """

    def __init__(
        self,
        entity: str,
        entity_id: int | None,
        *,
        changed_by: str | None,
        changed_at: datetime | None,
        expected_version: int | None = None,
        current_version: int | None = None,
    ) -> None:
        self.entity = entity
        self.entity_id = entity_id
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.expected_version = expected_version
        self.current_version = current_version
        from discharge_hub.display import dates  # clock imports this module
        from discharge_hub.display.people import person_name

        who = person_name(changed_by) if changed_by else "another user"
        at = f" {dates.when(changed_at)}" if changed_at else ""
        super().__init__(
            f"This {RECORD_WORDS.get(entity, entity)} was changed by {who}{at} after you "
            "opened it. Your change was not saved; reload to see their change."
        )


class DatabaseError(DomainError):
    """The database is unreachable, locked, or refused the operation."""


class DatabaseTooNewError(DatabaseError):
    """The database schema was written by a newer version of the program."""


class DatabaseInUseError(DatabaseError):
    """Another Discharge Hub program has the embedded database open for writing."""


class FileReplacedError(DatabaseError):
    """The database file or its write-ahead log was removed or replaced underneath us."""


class NotADatabaseError(DatabaseError):
    """The path or database exists but is not a Discharge Hub database."""


class NoDatabaseError(DatabaseError):
    """No database (or no schema yet) where the command needs one; it creates none."""


class DatabaseUnreachableError(DatabaseError):
    """The database server did not answer (network, server down or restarting)."""


class SignInError(DatabaseError):
    """The server refused the user name or password (or needs a password not given)."""


class PermissionDeniedError(DomainError):
    """The signed-in person's role may not do this; the server refused it (or would)."""
