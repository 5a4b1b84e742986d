"""Small dialogs of the hub screens: a required reason, a placement request, a worker,
a start date, a vacancy figure. Each has ``ask(...)`` (None: cancelled), which tests
replace instead of driving a modal ``exec()``; the dialogs themselves can be built,
filled and accepted directly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from discharge_hub import clock
from discharge_hub.display import dates
from discharge_hub.services.placements import FUNDING, FUNDING_LABELS
from discharge_hub.services.providers import ProviderView
from discharge_hub.services.reference_lists import ReferenceLists
from discharge_hub.ui import formatting as fmt
from discharge_hub.ui.widgets import ComboBox, SpinBox, code_combo, date_edit, fill_codes, line_edit

W = TypeVar("W", bound=QWidget)
V = TypeVar("V", covariant=True)


class _Valued(Protocol[V]):
    def exec(self) -> int: ...

    def value(self) -> V: ...


class FormDialog(QDialog):
    """A titled prompt, a form, OK (named for what it does) and Cancel (Esc)."""

    def __init__(
        self,
        parent: QWidget | None,
        title: str,
        prompt: str,
        ok_text: str,
        cancel_text: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.prompt = QLabel(prompt)
        self.prompt.setWordWrap(True)
        self.form = QFormLayout()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok: QPushButton = self.buttons.addButton(
            ok_text, QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.ok.setDefault(True)
        if cancel_text:
            self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(cancel_text)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.prompt)
        layout.addLayout(self.form)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)
        self._fields: list[QWidget] = []

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._fields:
            self._fields[0].setFocus()

    def add(self, label: str, widget: W) -> W:
        caption = QLabel(label)
        caption.setBuddy(widget)
        self.form.addRow(caption, widget)
        # The buttons were made first: the fields come first in the Tab order, and the
        # first field has the focus when the dialog opens (not Cancel).
        self._fields.append(widget)
        if len(self._fields) > 1:
            QWidget.setTabOrder(self._fields[-2], widget)
        QWidget.setTabOrder(widget, self.ok)
        if not widget.accessibleName():
            widget.setAccessibleName(label.replace("&", ""))
        return widget

    def value(self) -> Any:
        raise NotImplementedError

    @classmethod
    def run(cls, dialog: _Valued[V]) -> V | None:
        return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None


class ReasonDialog(FormDialog):
    """A reason is required: OK stays disabled until one is typed."""

    def __init__(
        self,
        parent: QWidget | None,
        title: str,
        prompt: str,
        ok_text: str = "OK",
        cancel_text: str | None = None,
    ) -> None:
        super().__init__(parent, title, prompt, ok_text, cancel_text)
        self.reason: QLineEdit = self.add("&Reason", line_edit("Reason", "", "required"))
        self.reason.setMaxLength(500)
        self.reason.textChanged.connect(self._on_reason_changed)
        self._on_reason_changed("")

    def _on_reason_changed(self, text: str) -> None:
        self.ok.setEnabled(bool(text.strip()))

    def value(self) -> str:
        return self.reason.text().strip()

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        title: str,
        prompt: str,
        *,
        ok_text: str = "OK",
        cancel_text: str | None = None,
    ) -> str | None:
        return cls.run(cls(parent, title, prompt, ok_text, cancel_text))


@dataclass(frozen=True)
class PlacementRequest:
    service_type: str
    funding: str | None
    notes: str | None


class RequestPlacementDialog(FormDialog):
    def __init__(self, parent: QWidget | None, refs: ReferenceLists, patient: str) -> None:
        super().__init__(
            parent,
            "Request a placement",
            f"Request an intermediate care service or placement for {patient}.",
            "&Request",
        )
        self.service = self.add("&Service type", code_combo("Service type", ()))
        fill_codes(self.service, refs.service_types, show_code=False)
        self.funding = self.add("&Funding", ComboBox())
        self.funding.addItem("— not known yet —", None)
        for code in FUNDING:
            self.funding.addItem(FUNDING_LABELS[code], code)
        self.notes = self.add("&Notes", line_edit("Placement notes", "", "optional"))

    def value(self) -> PlacementRequest:
        return PlacementRequest(
            self.service.currentData(), self.funding.currentData(), self.notes.text() or None
        )

    @classmethod
    def ask(
        cls, parent: QWidget | None, refs: ReferenceLists, patient: str
    ) -> PlacementRequest | None:
        return cls.run(cls(parent, refs, patient))


class WorkerDialog(FormDialog):
    """Who works on the placement; blank for nobody (returns "")."""

    def __init__(self, parent: QWidget | None, patient: str, current: str | None) -> None:
        super().__init__(
            parent,
            "Assign a worker",
            f"The social care worker for {patient}'s placement (leave blank for nobody).",
            "&Assign",
        )
        self.worker = self.add("&Worker", line_edit("Assigned worker", current or ""))
        self.worker.setMaxLength(100)

    def value(self) -> str:
        return self.worker.text().strip()

    @classmethod
    def ask(cls, parent: QWidget | None, patient: str, current: str | None) -> str | None:
        return cls.run(cls(parent, patient, current))


class StartDateDialog(FormDialog):
    """The confirmed start date, as typed (the service checks it)."""

    def __init__(self, parent: QWidget | None, patient: str) -> None:
        super().__init__(
            parent,
            "Confirm the start date",
            f"The date the provider will start {patient}'s placement.",
            "&Confirm",
        )
        self.date = self.add("Start &date", date_edit("Start date", fmt.uk_date(clock.today())))

    def value(self) -> str:
        return self.date.text().strip()

    @classmethod
    def ask(cls, parent: QWidget | None, patient: str) -> str | None:
        return cls.run(cls(parent, patient))


@dataclass(frozen=True)
class VacancyFigure:
    vacancies: int
    as_of: str  # as typed, dd/mm/yyyy hh:mm


class VacancyDialog(FormDialog):
    def __init__(self, parent: QWidget | None, provider: ProviderView) -> None:
        super().__init__(
            parent,
            "Edit vacancies",
            f"{provider.name}: vacancies now (the old figure is kept in the history).",
            "&Save",
        )
        self.vacancies = self.add("&Vacancies", SpinBox())
        self.vacancies.setRange(0, max(provider.capacity, 0))
        self.vacancies.setValue(min(provider.vacancies, provider.capacity))
        self.vacancies.setSuffix(f" of {provider.capacity} {provider.capacity_unit}")
        self.as_of = self.add("As &of", date_edit("Vacancies as of", fmt.now_input()))
        self.as_of.setPlaceholderText(dates.DATETIME_HINT)

    def value(self) -> VacancyFigure:
        return VacancyFigure(self.vacancies.value(), self.as_of.text().strip())

    @classmethod
    def ask(cls, parent: QWidget | None, provider: ProviderView) -> VacancyFigure | None:
        return cls.run(cls(parent, provider))


class DelayReasonDialog(FormDialog):
    """The save makes the patient NCTR: the delay reason, asked in the same save."""

    def __init__(self, parent: QWidget | None, refs: ReferenceLists, drd: str) -> None:
        super().__init__(
            parent,
            "Delay reason",
            f"This review makes the patient ready for discharge (NCTR) from {drd}. Why are "
            "they still in hospital? The delay reason is saved with the review.",
            "&Save with this reason",
            "Back to the form",
        )
        self.reason = self.add("&Delay reason", code_combo("Delay reason", ()))
        fill_codes(self.reason, refs.delay_reasons, "— choose the reason —")
        self.reason.currentIndexChanged.connect(
            lambda _i: self.ok.setEnabled(self.reason.currentData() is not None)
        )
        self.ok.setEnabled(False)

    def value(self) -> str:
        return str(self.reason.currentData())

    @classmethod
    def ask(cls, parent: QWidget | None, refs: ReferenceLists, drd: str) -> str | None:
        return cls.run(cls(parent, refs, drd))
