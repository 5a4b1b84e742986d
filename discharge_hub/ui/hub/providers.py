"""The provider directory: CQC locations with their services, the councils they serve,
capacity, vacancies and when that figure was last updated, and contact. Vacancies are
edited here (Enter on a provider); every figure is kept, with the history of the
selected provider shown below the list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QLabel, QWidget

from discharge_hub.display.people import person_name
from discharge_hub.services import hub, providers
from discharge_hub.services.providers import ProviderView
from discharge_hub.services.reference_lists import ReferenceLists
from discharge_hub.ui import formatting as fmt
from discharge_hub.ui.hub.dialogs import VacancyDialog
from discharge_hub.ui.hub.provider_picker import vacancy_text
from discharge_hub.ui.hub.screen import ListScreen, button, combo
from discharge_hub.ui.live import ChangeHub, DataChange
from discharge_hub.ui.queue_model import Col, QueueModel
from discharge_hub.ui.rows_model import RowsModel
from discharge_hub.ui.tasks import TaskRunner
from discharge_hub.ui.widgets import read_only_table
from discharge_hub.validators import parse_datetime

HISTORY_COLUMNS = (
    ("As of", lambda v: fmt.uk_datetime(v.as_of)),
    ("Vacancies", lambda v: str(v.vacancies)),
    ("Recorded", lambda v: fmt.uk_datetime(v.recorded_at)),
    ("By", lambda v: person_name(v.recorded_by)),
)


def provider_columns(refs: ReferenceLists) -> tuple[Col, ...]:
    def names(kind: str, codes: tuple[str, ...]) -> str:
        return ", ".join(refs.label(kind, c) for c in codes)

    return (
        Col("Provider", lambda p: p.name),
        Col("CQC location", lambda p: p.code),
        Col("Services", lambda p: names("service_types", p.service_types)),
        Col("Councils served", lambda p: names("places", p.places)),
        Col("Capacity", lambda p: f"{p.capacity} {p.capacity_unit}", lambda p: p.capacity),
        Col("Vacancies", vacancy_text, lambda p: p.vacancies),
        Col(
            "Vacancies as of",
            lambda p: fmt.uk_datetime(p.vacancies_as_of, "never"),
            lambda p: p.vacancies_as_of,
        ),
        Col("Phone", lambda p: p.phone or ""),
    )


class ProvidersScreen(ListScreen):
    title = "Providers and vacancies"

    def __init__(
        self,
        runner: TaskRunner,
        changes: ChangeHub,
        refs: ReferenceLists,
        parent: QWidget | None = None,
    ) -> None:
        model = QueueModel(
            provider_columns(refs),
            key=lambda p: p.id,
            order=lambda p: p.name.casefold(),
            spell_of=lambda _p: None,
        )
        super().__init__(runner, changes, refs, model, "Providers", parent)
        model.setParent(self)
        self.service = combo("Service type filter")
        self.service.addItem("All services", None)
        for code in refs.service_types:
            self.service.addItem(code.label, code.code)
        self.place = combo("Council filter")
        self.place.addItem("All councils", None)
        for place in refs.places:
            self.place.addItem(place.label, place.code)
        self.add_filter("&Service", self.service)
        self.add_filter("&Council", self.place)
        self.edit_button = button("Edit vacanc&ies… (Enter)", "Edit vacancies", self.edit_vacancies)
        self.add_buttons(self.edit_button)
        self.history = RowsModel(HISTORY_COLUMNS, self)
        self.history_label = QLabel("Vacancy history")
        self.history_table = read_only_table("Vacancy history", self.history)
        self.history_table.setMaximumHeight(180)
        self.lay_out(self.history_label, self.history_table)
        self._history_for: int | None = None
        self.reload()

    def work(self, spell_ids: frozenset[int] | None) -> Callable[[Any], Any]:
        service, place = self.service.currentData(), self.place.currentData()
        return lambda s: hub.list_providers(s, service_type=service, place=place)

    def wants(self, change: DataChange) -> bool:
        return change.all  # providers and vacancies changing announce "everything"

    def on_data_changed(self, change: DataChange) -> None:
        if self.wants(change):
            self.refetch.request_all()

    def count_text(self) -> str:
        rows: list[ProviderView] = self.model.rows()
        free = sum(p.vacancies > 0 for p in rows)
        return f"{len(rows)} providers · {free} with vacancies"

    def enable_buttons(self, row: Any) -> None:
        self.edit_button.setEnabled(row is not None)
        self._load_history(row)

    def _on_row_activated(self, row: Any) -> None:
        self.edit_vacancies()

    def _load_history(self, provider: ProviderView | None) -> None:
        if provider is None or self.runner.database is None:
            self.history.set_rows([])
            self._history_for = None
            return
        provider_id = provider.id
        self._history_for = provider_id
        self.history_label.setText(f"Vacancy history of {provider.name} (newest first)")

        def shown(rows: list[Any]) -> None:
            if self._history_for == provider_id:
                self.history.set_rows(rows)

        self.runner.read(
            "loading the vacancy history",
            lambda s: providers.vacancy_history(s, provider_id),
            shown,
        )

    def edit_vacancies(self) -> None:
        provider = self.table.current()
        if provider is None:
            return
        figure = VacancyDialog.ask(self, provider)
        if figure is None:
            return
        self.runner.write(
            "saving vacancies",
            lambda s: hub.set_vacancies(
                s,
                provider_id=provider.id,
                expected_version=provider.version,
                vacancies=figure.vacancies,
                as_of=parse_datetime(figure.as_of, "as_of", required=True),
            ),
            # Other views hear of it from the database ("everything": reference data).
            lambda _view: (self.show_message(""), self.reload()),  # type: ignore[func-returns-value]
            lambda exc: (self.show_error(exc), self.reload()),  # type: ignore[func-returns-value]
        )
