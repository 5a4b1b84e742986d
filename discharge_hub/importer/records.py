"""Rows as the services would leave them, and the audit trail their flushes would write.

The bulk import does not go through the ORM, so nothing stamps or audits its rows
automatically (:mod:`discharge_hub.audit` listens to ORM flushes). Instead the plan
replays each service call on :class:`Rec` objects: :meth:`Rec.insert` and
:meth:`Rec.update` apply a change the way one ORM flush would (the same net-change
rule, the same version counter) and append to the plan's audit list exactly the rows
:func:`discharge_hub.audit._rows_for` writes for that flush. The write phase then
stores the final rows and the audit list in bulk; a test compares the result with
the services' own.

A value is a plain column value, a :class:`Rec` not yet written (its id once it is),
or :data:`NOW` (the instant of the write, for the who/when stamps).
"""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Table, inspect

from discharge_hub.models import Base, Versioned
from discharge_hub.models.base import BOOKKEEPING_COLUMNS


class _Now:
    def __repr__(self) -> str:
        return "NOW"


NOW: Any = _Now()


@cache
def audited_fields(model: type[Base]) -> tuple[str, ...]:
    """The attributes the audit trail records field by field (as audit._rows_for)."""
    keys = (a.key for a in inspect(model).column_attrs)
    return tuple(k for k in keys if k not in BOOKKEEPING_COLUMNS and k != "id")


@cache
def _defaults(model: type[Base]) -> tuple[tuple[str, Any], ...]:
    """Scalar column defaults the ORM fills in on insert (``Ward.active`` ...)."""
    out = []
    for attr in inspect(model).column_attrs:
        column = attr.columns[0]
        default = column.default
        if default is not None and default.is_scalar and attr.key not in BOOKKEEPING_COLUMNS:
            out.append((attr.key, default.arg))
    return tuple(out)


class AuditRow(NamedTuple):
    """One audit_entry row before ids are known: ``rec`` gives entity and entity id.
    (A named tuple: a 50,000-row import makes about a million of them.)"""

    rec: Rec
    action: str
    field: str | None
    old: Any
    new: Any
    version: int | None = None  # the record's version after that flush (audit_entry.version)


class Rec:
    """One row of one table: its final values and how it got there."""

    __slots__ = (
        "entity", "id", "index", "model", "spell", "values", "version", "version_read",
        "versioned",
    )  # fmt: skip

    def __init__(
        self,
        model: type[Base],
        values: dict[str, Any],
        *,
        id: int | None = None,  # noqa: A002 - the column's name
        version: int | None = None,
    ) -> None:
        self.model = model
        self.entity: str = model.__tablename__  # the audit trail's entity
        self.versioned = issubclass(model, Versioned)
        self.values = values
        self.id = id
        self.index = -1  # position among the new rows of its table (set by Plan.insert)
        self.version = version if version is not None else 1
        self.version_read = version
        self.spell: Rec | None = None  # the spell this row belongs to (audit spell_id)

    @property
    def table(self) -> Table:
        return self.model.__table__  # type: ignore[return-value]

    @property
    def is_new(self) -> bool:
        return self.version_read is None

    @property
    def changed(self) -> bool:
        return self.is_new or self.version != self.version_read

    def insert_audit(self) -> list[AuditRow]:
        """A new row: its defaults filled in, one audit row per non-empty field."""
        for key in audited_fields(self.model):
            self.values.setdefault(key, None)
        for key, value in _defaults(self.model):
            if self.values.get(key) is None:
                self.values[key] = value
        rows = [
            AuditRow(self, "insert", key, None, self.values[key], self._version_now())
            for key in audited_fields(self.model)
            if self.values.get(key) is not None
        ]
        return rows or [AuditRow(self, "insert", None, None, None, self._version_now())]

    def update(self, changes: dict[str, Any]) -> list[AuditRow]:
        """Apply ``changes`` as one flush: a field counts as changed when its value is not
        equal to the current one (then the version goes up once); it is audited when
        its text differs, as :mod:`discharge_hub.audit` does."""
        from discharge_hub.audit import text_of

        net = {k: v for k, v in changes.items() if not _same(self.values.get(k), v)}
        if not net:
            return []
        if self.versioned:
            self.version += 1  # the audit rows carry the version the flush leaves
        rows = [
            AuditRow(self, "update", k, self.values.get(k), v, self._version_now())
            for k, v in net.items()
            if isinstance(v, Rec) or text_of(self.values.get(k)) != text_of(v)
        ]
        self.values.update(net)
        return rows

    def _version_now(self) -> int | None:
        return self.version if self.versioned else None


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, Rec) or isinstance(new, Rec):
        return old is new
    return bool(old == new)
