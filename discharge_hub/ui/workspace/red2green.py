"""The Red2Green strip: a spell's last 14 days at a glance, each cell its colour and
its words (R, G, a dash when not recorded; the day and the reason in its tooltip)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from discharge_hub.reports.red2green import STRIP_DAYS, StripDay

# (background, text colour, letter) by state; colour is the second cue, the letter the first.
_LOOK = {
    "red": ("#DA291C", "#FFFFFF", "R"),
    "green": ("#007F3B", "#FFFFFF", "G"),
    None: ("#E8EDEE", "#425563", "–"),
}


def describe(d: StripDay) -> str:
    """What a cell says in words (tooltip and accessible name)."""
    when = f"{d.day:%a} {d.day:%d/%m}"
    if not d.in_hospital:
        return f"{when}: not in hospital"
    if d.colour is None:
        return f"{when}: not recorded"
    reason = f" – {d.reason}" if d.reason else ""
    return f"{when}: {d.colour}{reason}"


class Red2GreenStrip(QWidget):
    """Fourteen cells, oldest on the left, today on the right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.cells: list[QLabel] = []
        for _ in range(STRIP_DAYS):
            cell = QLabel()
            cell.setAlignment(Qt.AlignmentFlag.AlignCenter)
            cell.setFixedSize(30, 34)
            layout.addWidget(cell)
            self.cells.append(cell)
        layout.addStretch(1)
        self.setAccessibleName("Red2Green, last 14 days")
        self.days: list[StripDay] = []

    def set_days(self, days: Sequence[StripDay]) -> None:
        self.days = list(days)
        for cell, d in zip(self.cells, self.days, strict=True):
            words = describe(d)
            cell.setToolTip(words)
            cell.setAccessibleName(words)
            if not d.in_hospital:
                cell.setText(f"{d.day.day}")
                cell.setStyleSheet("color: #AEB7BD; border: 1px dotted #AEB7BD;")
                continue
            background, colour, letter = _LOOK.get(d.colour, _LOOK[None])
            cell.setText(f"{d.day.day}\n{letter}")
            cell.setStyleSheet(f"background: {background}; color: {colour}; font-weight: bold;")

    def letters(self) -> list[str]:
        """Each cell's letter ("" when not in hospital), oldest first (for tests)."""
        return [c.text().split("\n")[1] if "\n" in c.text() else "" for c in self.cells]
