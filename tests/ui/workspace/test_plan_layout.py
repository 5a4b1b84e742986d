"""The plan tab at a laptop's size: every criterion to reside is readable whole (they
were cut short with "…"), and a click on its wording ticks it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, Qt

from tests.ui.forms_support import click, open_patient


def _shown_whole(picker) -> list[str]:
    """The criteria whose box or wording is not wholly shown inside the picker."""
    inside = QRect(QPoint(0, 0), picker.size())
    cut = []
    for code, box in picker.boxes.items():
        label = picker.labels[code]
        needs = box.fontMetrics().horizontalAdvance(box.text())
        if (
            box.sizeHint().width() > box.width()
            or needs > box.width()
            or label.height() < label.heightForWidth(label.width())
            or not inside.contains(label.geometry())
            or not inside.contains(box.geometry())
        ):
            cut.append(code)
    return cut


@pytest.mark.parametrize("size", [(1280, 800), (1600, 1000)])
def test_every_criterion_is_shown_whole(qtbot, main_window, size):
    main_window.resize(*size)
    row = main_window.model.all_rows()[0]
    workspace = open_patient(qtbot, main_window, row.spell_id)
    picker = workspace.plan.criteria
    criteria = main_window.refs.criteria
    assert len(picker.boxes) == len(criteria) >= 10
    for c in criteria:  # the whole wording, never shortened
        assert picker.labels[c.code].text() == c.label
        assert picker.labels[c.code].wordWrap()
        assert picker.boxes[c.code].text() == c.code
        assert picker.boxes[c.code].accessibleName() == f"Criterion {c.code}: {c.label}"
    longest = max(criteria, key=lambda c: len(c.label))
    assert len(longest.label) > 48  # the old form cut this one short
    qtbot.waitUntil(lambda: _shown_whole(picker) == [], timeout=2000)
    # the longest wording wraps onto more lines rather than running off the side
    label = picker.labels[longest.code]
    assert label.fontMetrics().horizontalAdvance(longest.label) > label.width()
    assert label.height() >= 2 * label.fontMetrics().lineSpacing()


def test_a_click_on_the_wording_ticks_the_criterion(qtbot, main_window):
    main_window.resize(1280, 800)
    row = main_window.model.all_rows()[0]
    workspace = open_patient(qtbot, main_window, row.spell_id)
    plan = workspace.plan
    click(qtbot, plan.ctr_record)
    click(qtbot, plan.criteria.meets)
    code = next(code for code, box in plan.criteria.boxes.items() if not box.isChecked())
    label = plan.criteria.labels[code]
    qtbot.mouseClick(label, Qt.MouseButton.LeftButton, pos=QPoint(20, label.height() // 2))
    assert plan.criteria.boxes[code].isChecked()
    assert code in plan.criteria.criteria()
    qtbot.mouseClick(label, Qt.MouseButton.LeftButton, pos=QPoint(20, label.height() // 2))
    assert not plan.criteria.boxes[code].isChecked()
    click(qtbot, plan.criteria.no_longer)  # no criteria apply: the wording is off too
    assert not label.isEnabled()
    qtbot.mouseClick(label, Qt.MouseButton.LeftButton, pos=QPoint(20, label.height() // 2))
    assert not plan.criteria.boxes[code].isChecked() and plan.criteria.criteria() == ()
