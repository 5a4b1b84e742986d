"""Drop-downs sized to their texts (discharge_hub/ui/combos.py): a code picker takes its
field's room with its whole text as tooltip, and opens as wide as its longest item;
a list filled after it first showed follows its contents (issue 10)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QWidget

from discharge_hub.ui.combos import widen_popup
from tests.ui.forms_support import choose, open_patient


def _popup(combo: QComboBox) -> QWidget:
    popup = combo.view().parentWidget()
    assert popup is not None and popup.metaObject().className() == "QComboBoxPrivateContainer"
    return popup


def test_code_pickers_take_their_fields_room_and_open_wide(qtbot, main_window) -> None:
    main_window.resize(1600, 1000)
    row = main_window.model.visible_rows()[0]
    workspace = open_patient(qtbot, main_window, row.spell_id)
    plan = workspace.plan
    reason, pathway, next_action = plan.delay_reason, plan.pathway, plan.next_action
    qtbot.waitUntil(lambda: reason.isVisible() and reason.count() > 5, timeout=10_000)
    # As wide as the line edit under it (the field's room), not 24 characters.
    assert reason.width() >= next_action.width() - 2
    assert pathway.width() >= next_action.width() - 2
    longest = max((reason.itemText(i) for i in range(reason.count())), key=len)
    choose(reason, reason.itemData(next(
        i for i in range(reason.count()) if reason.itemText(i) == longest
    )))  # fmt: skip
    assert reason.toolTip().startswith(longest)  # the whole text, wherever it is cut
    reason.showPopup()
    popup = _popup(reason)
    qtbot.waitUntil(popup.isVisible, timeout=5_000)
    metrics = reason.view().fontMetrics()
    screen = reason.screen().availableGeometry().width()
    assert popup.width() >= min(metrics.horizontalAdvance(longest), screen)
    assert popup.width() > reason.width() or popup.width() == screen
    reason.hidePopup()


def test_a_short_list_filled_later_follows_its_contents(qtbot, main_window) -> None:
    row = main_window.model.visible_rows()[0]
    workspace = open_patient(qtbot, main_window, row.spell_id)
    day = workspace.plan.r2g_day
    qtbot.waitUntil(lambda: day.isVisible() and day.count() > 0, timeout=10_000)
    texts = [day.itemText(i) for i in range(day.count())]
    widest = max(day.fontMetrics().horizontalAdvance(t) for t in texts)
    assert day.sizeAdjustPolicy() == QComboBox.SizeAdjustPolicy.AdjustToContents
    assert day.sizeHint().width() >= widest


def test_the_popup_stays_on_screen(qtbot) -> None:
    combo = QComboBox()
    qtbot.addWidget(combo)
    combo.addItems(["short", "x" * 400])
    combo.move(0, 0)
    combo.show()
    combo.showPopup()
    popup = _popup(combo)
    widen_popup(popup, combo)
    screen = combo.screen().availableGeometry()
    assert popup.geometry().right() <= screen.right() and popup.x() >= screen.left()
    combo.hidePopup()
