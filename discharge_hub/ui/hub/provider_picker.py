"""Choosing a provider for a placement: those serving the patient's council and the
service type, vacancies first (as the service orders them), with when each vacancy
figure was last updated. Enter or a double click chooses."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from discharge_hub.services import hub
from discharge_hub.services.providers import ProviderView
from discharge_hub.ui import formatting as fmt
from discharge_hub.ui.queue_model import Col, QueueModel, QueueTable
from discharge_hub.ui.tasks import TaskRunner


def vacancy_text(p: ProviderView) -> str:
    return f"{p.vacancies} of {p.capacity} {p.capacity_unit}"


PICKER_COLUMNS = (
    Col("Provider", lambda p: p.name, lambda p: p.name),
    Col("Vacancies", vacancy_text, lambda p: p.vacancies),
    Col(
        "Vacancies as of",
        lambda p: fmt.uk_datetime(p.vacancies_as_of, "never"),
        lambda p: p.vacancies_as_of,
    ),
    Col("Phone", lambda p: p.phone or ""),
    Col("CQC location", lambda p: p.code),
)


class ProviderPicker(QDialog):
    loaded = Signal(int)  # providers listed

    def __init__(
        self,
        parent: QWidget | None,
        runner: TaskRunner,
        *,
        placement_id: int,
        patient: str,
        current: int | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Choose a provider")
        self.setAccessibleName("Choose a provider")
        self._current = current
        self.status = QLabel(f"Providers for {patient}'s placement: loading…")
        self.status.setWordWrap(True)
        self.model = QueueModel(PICKER_COLUMNS, key=lambda p: p.id, order=lambda _p: 0, parent=self)
        self.table = QueueTable(self.model, "Providers to choose from")
        self.table.activated_row.connect(lambda _row: self.accept())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = buttons.addButton("C&hoose", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setEnabled(False)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(820, 420)
        self._patient = patient
        runner.read(
            "listing providers",
            lambda s: hub.providers_for_placement(s, placement_id),
            self._on_loaded,
            lambda exc: self.status.setText(f"Could not list the providers: {exc}"),
        )

    def _on_loaded(self, providers: list[ProviderView]) -> None:
        self.model.set_rows(providers)
        if not providers:
            self.status.setText(
                f"No provider serves {self._patient}'s council for this service. Add one in "
                "Providers and vacancies, or import the providers' list."
            )
        else:
            n = len(providers)
            serve = "1 provider serves" if n == 1 else f"{n} providers serve"
            self.status.setText(
                f"{serve} {self._patient}'s council for this service; those with vacancies first."
            )
            if not (self._current is not None and self.table.select_key(self._current)):
                self.table.selectRow(0)
            self.ok.setEnabled(True)
            self.table.setFocus()
        self.loaded.emit(len(providers))

    def value(self) -> int | None:
        chosen = self.table.current()
        return chosen.id if chosen is not None else None

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        runner: TaskRunner,
        *,
        placement_id: int,
        patient: str,
        current: int | None = None,
    ) -> int | None:
        dialog = cls(parent, runner, placement_id=placement_id, patient=patient, current=current)
        return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None
