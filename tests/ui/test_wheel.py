"""The mouse wheel scrolls forms and never changes a value: found in a real window, two
notches of the wheel over a closed Pathway box set a patient's pathway."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QWidget

from discharge_hub.ui.widgets import ComboBox, DayEdit, SpinBox
from tests.ui.forms_support import bring_into_view, open_patient

UI = Path(__file__).resolve().parents[2] / "discharge_hub" / "ui"
# Qt's boxes that change their value on the wheel; the program's own (ui/widgets.py)
# don't.
WHEELED = {"QComboBox", "QSpinBox", "QDoubleSpinBox", "QDateEdit", "QDateTimeEdit", "QTimeEdit"}


def wheel(widget: QWidget, notches: int) -> QWheelEvent:
    """Wheel ``notches`` down over the middle of ``widget``, delivered as Qt delivers it
    (to the widget, then to its parents while nobody accepts it)."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(
        centre,
        QPointF(widget.mapToGlobal(centre.toPoint())),
        QPoint(0, 0),
        QPoint(0, -120 * notches),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)
    return event


def scroll_area_of(widget: QWidget) -> QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QAbstractScrollArea):
        parent = parent.parentWidget()
    return parent


def test_the_wheel_over_the_pathway_leaves_the_pathway_and_goes_to_the_form(
    qtbot, main_window
) -> None:
    row = next(r for r in main_window.model.visible_rows() if r.pathway is None)
    workspace = open_patient(qtbot, main_window, row.spell_id)
    workspace.resize(900, 420)  # short: the Plan tab scrolls
    combo = workspace.plan.pathway
    bring_into_view(combo)
    area = scroll_area_of(combo)
    assert area is not None and area.verticalScrollBar().maximum() > 0
    before = combo.currentIndex()
    events = [wheel(combo, 1) for _ in range(2)]
    assert combo.currentIndex() == before and combo.currentData() is None
    # Ignored: Qt hands a wheel event from the mouse on to the parents, and the scroll
    # area scrolls (a sent event like this one is not handed on: the scrolling itself
    # was checked in a real window with the mouse wheel).
    assert not any(e.isAccepted() for e in events)
    assert wheel(area.viewport(), 1).isAccepted()  # what the scroll area does with it


def test_no_drop_down_number_or_date_box_takes_the_wheel(qtbot) -> None:
    combo, spin = ComboBox(), SpinBox()
    combo.addItems(["— not decided —", "P0", "P1"])
    spin.setRange(0, 10)
    boxes: list[QWidget] = [combo, spin, DayEdit(date(2026, 11, 24))]
    for box in boxes:
        qtbot.addWidget(box)
        box.show()
        box.setFocus()  # not even when it has the focus
        before = (box.property("currentIndex"), box.property("value"), box.property("date"))
        event = wheel(box, 1)
        assert not event.isAccepted(), type(box).__name__
        after = (box.property("currentIndex"), box.property("value"), box.property("date"))
        assert after == before, type(box).__name__
        assert box.focusPolicy() == Qt.FocusPolicy.StrongFocus  # the wheel gives no focus


def test_the_program_makes_no_box_of_qt_s_own_that_takes_the_wheel() -> None:
    made: list[str] = []
    for path in UI.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in WHEELED:
                    made.append(f"{path.relative_to(UI)}:{node.lineno} {name}")
    assert made == []
    assert (UI / "widgets.py").read_text("utf-8").count("def wheelEvent") == 3
