"""Drop-downs sized to their texts, everywhere in the program (one event filter).

A code picker ("A14 – Pathway 2: awaiting availability of rehabilitation bed…") is made
as wide as 24 characters so a form lays out; shown, it takes the room its form field
has (a text that still does not fit is elided, and the whole text is the tooltip), and
its list opens as wide as its longest item. A short list sized on first show
(``AdjustToContentsOnFirstShow``: filled later, "Today (0…") follows its contents.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QComboBox, QSizePolicy, QStyle, QWidget

_DONE = "_dh_combo_fitted"
_POPUP = "QComboBoxPrivateContainer"
Policy = QComboBox.SizeAdjustPolicy


def fit(combo: QComboBox) -> None:
    """Let ``combo`` take its field's room and say its whole text as a tooltip (once)."""
    if combo.property(_DONE):
        return
    combo.setProperty(_DONE, True)
    policy = combo.sizeAdjustPolicy()
    if policy == Policy.AdjustToContentsOnFirstShow:
        combo.setSizeAdjustPolicy(Policy.AdjustToContents)
    elif policy == Policy.AdjustToMinimumContentsLengthWithIcon:
        size = combo.sizePolicy()
        size.setHorizontalPolicy(QSizePolicy.Policy.Expanding)
        combo.setSizePolicy(size)
    show_whole_text(combo)
    combo.currentIndexChanged.connect(lambda _i: show_whole_text(combo))


def show_whole_text(combo: QComboBox) -> None:
    """The current item's whole text (and its own tooltip, if any) as the tooltip."""
    text = combo.currentText()
    own = combo.currentData(Qt.ItemDataRole.ToolTipRole)
    combo.setToolTip(text if not own or own in text else f"{text}\n{own}")


def widen_popup(popup: QWidget, combo: QComboBox) -> None:
    """Open the list as wide as its longest item (within the screen)."""
    view = combo.view()
    scroll = combo.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
    frame = 2 * popup.contentsRect().left() + 2 * view.frameWidth()
    wanted = view.sizeHintForColumn(0) + scroll + frame + 8
    screen = combo.screen().availableGeometry() if combo.screen() is not None else None
    if screen is not None:
        wanted = min(wanted, screen.width())
    if popup.width() < wanted:
        popup.resize(wanted, popup.height())
        if screen is not None and popup.geometry().right() > screen.right():
            popup.move(max(screen.left(), screen.right() - wanted), popup.y())


class ComboFitter(QObject):
    """The application-wide event filter (``install()``)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        kind = event.type()
        if kind == QEvent.Type.Show:
            if isinstance(watched, QComboBox):
                fit(watched)
            elif watched.metaObject().className() == _POPUP:
                combo = watched.parent()
                if isinstance(combo, QComboBox) and isinstance(watched, QWidget):
                    widen_popup(watched, combo)
        return False


_installed: list[ComboFitter] = []


def install(app: QApplication) -> ComboFitter:
    """Watch every drop-down of the program (idempotent)."""
    if not _installed:
        fitter = ComboFitter(app)
        app.installEventFilter(fitter)
        _installed.append(fitter)
    return _installed[0]
