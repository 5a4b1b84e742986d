"""The ward board follows the program's "data changed" signal: only the rows of the
spells a change names are re-fetched (``workspace.board_rows``) and updated in place,
keeping the view's selection, sort, scroll and filters; "everything" re-fetches the
whole board and merges it the same way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject

from discharge_hub.services import workspace
from discharge_hub.services.board import board
from discharge_hub.ui.board_model import BoardModel
from discharge_hub.ui.live import ChangeHub, DataChange, Refetch
from discharge_hub.ui.tasks import TaskRunner


def board_work(spell_ids: frozenset[int] | None) -> Callable[[Any], Any]:
    if spell_ids is None:
        return lambda s: board(s)
    return lambda s: workspace.board_rows(s, spell_ids)


def apply_to(model: BoardModel, result: Any, spell_ids: frozenset[int] | None) -> None:
    if spell_ids is None:
        model.update_rows(result, complete=True)
    else:
        model.update_rows(result.rows, result.removed)


class BoardSync(QObject):
    def __init__(self, runner: TaskRunner, model: BoardModel, changes: ChangeHub) -> None:
        super().__init__(model)
        self.model = model
        self.refetch = Refetch(
            runner,
            "refreshing the board",
            board_work,
            lambda result, ids: apply_to(model, result, ids),
            self,
        )
        self.applied = self.refetch.applied
        changes.data_changed.connect(self._on_data_changed)

    def _on_data_changed(self, change: DataChange) -> None:
        self.refetch.request(change)
