"""Guard against a PySide6 build that loses references to Python singletons.

PySide6 6.12.0's ``Signal.emit`` returned ``True`` without a new reference, so every
emit in the program lowered ``True``'s reference count by one until the interpreter
aborted ("bool_dealloc: deallocating True or False") mid-session. pyproject caps
PySide6 below 6.12 for that; this test fails on any build with such a leak.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QAbstractItemModel, QObject, Qt, Signal
from PySide6.QtGui import QStandardItemModel

_LAYOUT = "QList<QPersistentModelIndex>,QAbstractItemModel::LayoutChangeHint"


class _Emitter(QObject):
    changed = Signal(bool)
    payload = Signal(object)


def test_emitting_signals_does_not_leak_references_to_true_false_or_none(qapp) -> None:
    emitter = _Emitter()
    seen: list[object] = []
    emitter.changed.connect(lambda v: seen.append(v))
    emitter.payload.connect(lambda v: seen.append(v))
    model = QStandardItemModel(3, 3)
    hint = QAbstractItemModel.LayoutChangeHint.VerticalSortHint
    before = (sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None))
    for _ in range(2_000):
        emitter.changed.emit(True)
        emitter.changed.emit(False)
        emitter.payload.emit(None)
        model.layoutAboutToBeChanged[_LAYOUT].emit([], hint)
        model.layoutChanged[_LAYOUT].emit([], hint)
        model.dataChanged.emit(model.index(0, 0), model.index(0, 0), [Qt.ItemDataRole.DisplayRole])
    seen.clear()
    after = (sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None))
    # Allow a little slack for caches; a leak loses thousands here.
    assert all(abs(a - b) < 50 for a, b in zip(after, before, strict=True)), (before, after)
