"""Reports → Print huddle report: which day (the dashboard's date picker; past days
are reported as they stood) and which site (a list; typing part of a name finds it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from discharge_hub import clock
from discharge_hub.services.reference_lists import match_site
from discharge_hub.ui.reports.dashboard import ALL_SITES
from discharge_hub.ui.widgets import ComboBox, DayEdit


class HuddleReportDialog(QDialog):
    """Choose the huddle report's day and site; ``day`` and ``site`` once accepted."""

    def __init__(self, sites: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Print huddle report")
        self.sites = list(sites)
        today = clock.today()
        self.date_edit = DayEdit(today, latest=today)  # no report of a day to come
        self.site_combo = ComboBox()
        self.site_combo.setEditable(True)
        self.site_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.site_combo.addItems([ALL_SITES, *self.sites])
        self.site_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        completer = QCompleter([ALL_SITES, *self.sites], self.site_combo)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.site_combo.setCompleter(completer)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("QLabel { color: #a4000f; }")
        self.error.setVisible(False)
        form = QFormLayout()
        day_label = QLabel("&Day:")
        day_label.setBuddy(self.date_edit)
        site_label = QLabel("&Site:")
        site_label.setBuddy(self.site_combo)
        form.addRow(day_label, self.date_edit)
        form.addRow(site_label, self.site_combo)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("&Preview…")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    @property
    def day(self) -> date:
        return self.date_edit.day()

    def chosen_site(self) -> str | None:
        """The site picked or typed (None: all sites); ValueError saying what is wrong."""
        text = self.site_combo.currentText().strip()
        if text in ("", ALL_SITES):
            return None
        return match_site(text, self.sites)

    def accept(self) -> None:
        try:
            self.site = self.chosen_site()
        except ValueError as exc:
            self.error.setText(str(exc))
            self.error.setVisible(True)
            self.site_combo.setFocus()
            return
        super().accept()
