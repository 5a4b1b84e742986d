"""Menu actions and entry points that generate a report off the GUI thread and then
open its print preview."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QMenu, QMessageBox, QWidget

from discharge_hub import clock
from discharge_hub.reports import render
from discharge_hub.ui.reports.dashboard import HuddleDashboard
from discharge_hub.ui.reports.edd_dashboard import EddDashboard
from discharge_hub.ui.reports.preview import PdfPrintPreview
from discharge_hub.ui.tasks import TaskRunner

# Open previews, kept referenced until closed (they are non-modal).
_open: set[PdfPrintPreview] = set()


def show_preview(parent: QWidget | None, pdf: bytes, title: str) -> PdfPrintPreview:
    dialog = PdfPrintPreview(pdf, title, parent)
    _open.add(dialog)
    dialog.finished.connect(lambda _result: _open.discard(dialog))
    dialog.open()
    return dialog


def _failed(parent: QWidget | None, what: str) -> Callable[[BaseException], None]:
    def show(exc: BaseException) -> None:
        QMessageBox.warning(parent, "Discharge Hub", f"The {what} could not be made:\n{exc}")

    return show


def open_huddle_preview(
    parent: QWidget | None,
    runner: TaskRunner,
    *,
    on: date | None = None,
    site: str | None = None,
    on_shown: Callable[[PdfPrintPreview], None] | None = None,
) -> int:
    """Generate the huddle PDF on a worker, then open its print preview. The task id."""
    day = on or clock.today()
    actor = runner.actor

    def done(pdf: bytes) -> None:
        dialog = show_preview(parent, pdf, f"Daily huddle {day.isoformat()}")
        if on_shown is not None:
            on_shown(dialog)

    return runner.read(
        "making the huddle report",
        lambda s: render.huddle_report(s, on=day, site=site, printed_by=actor),
        done,
        _failed(parent, "huddle report"),
    )


def open_handover_preview(
    parent: QWidget | None,
    runner: TaskRunner,
    *,
    spell_id: int,
    on_shown: Callable[[PdfPrintPreview], None] | None = None,
) -> int:
    """Generate the handover summary PDF of a spell on a worker, then preview it."""
    actor = runner.actor

    def done(pdf: bytes) -> None:
        dialog = show_preview(parent, pdf, "Handover summary")
        if on_shown is not None:
            on_shown(dialog)

    return runner.read(
        "making the handover summary",
        lambda s: render.handover_report(s, spell_id=spell_id, printed_by=actor),
        done,
        _failed(parent, "handover summary"),
    )


def open_edd_preview(
    parent: QWidget | None,
    runner: TaskRunner,
    *,
    start: date,
    end: date,
    site: str | None = None,
    on_shown: Callable[[PdfPrintPreview], None] | None = None,
) -> int:
    """Generate the EDD reliability PDF on a worker, then open its print preview."""
    actor = runner.actor

    def done(pdf: bytes) -> None:
        dialog = show_preview(parent, pdf, f"EDD reliability {start.isoformat()}–{end.isoformat()}")
        if on_shown is not None:
            on_shown(dialog)

    return runner.read(
        "making the EDD reliability report",
        lambda s: render.edd_report(s, start=start, end=end, site=site, printed_by=actor),
        done,
        _failed(parent, "EDD reliability report"),
    )


def _ask_site(parent: QWidget | None) -> tuple[bool, str | None]:
    """Which site: all, or one (typed; the report names the known ones if mistyped)."""
    text, ok = QInputDialog.getText(
        parent, "Print huddle report", "Site (leave empty for all sites):"
    )
    return ok, (text.strip() or None)


def add_report_actions(
    menu: QMenu,
    parent: QWidget,
    runner: TaskRunner,
    current_spell_id: Callable[[], int | None],
    show_dashboard: Callable[[QWidget], None] | None = None,
) -> list[QAction]:
    """Fill a Reports menu: huddle report, handover of the current spell, the huddle
    and EDD reliability dashboards (each a tab named by its window title)."""

    def huddle() -> None:
        ok, site = _ask_site(parent)
        if ok:
            open_huddle_preview(parent, runner, site=site)

    def handover() -> None:
        spell_id = current_spell_id()
        if spell_id is None:
            QMessageBox.information(parent, "Print handover", "Open or select a patient first.")
            return
        open_handover_preview(parent, runner, spell_id=spell_id)

    actions = [
        menu.addAction("Print &huddle report…", huddle),
        menu.addAction("Print hand&over…", handover),
    ]
    if show_dashboard is not None:
        show = show_dashboard
        actions.append(
            menu.addAction("Huddle &dashboard", lambda: _huddle_dashboard(parent, runner, show))
        )
        actions.append(
            menu.addAction("&EDD reliability", lambda: _edd_dashboard(parent, runner, show))
        )
    return actions


def _huddle_dashboard(
    parent: QWidget, runner: TaskRunner, show: Callable[[QWidget], None]
) -> HuddleDashboard:
    widget = HuddleDashboard(runner)
    widget.print_requested.connect(
        lambda day, site: open_huddle_preview(parent, runner, on=day, site=site)
    )
    show(widget)
    widget.load_sites()
    widget.refresh()
    return widget


def _edd_dashboard(
    parent: QWidget, runner: TaskRunner, show: Callable[[QWidget], None]
) -> EddDashboard:
    widget = EddDashboard(runner)
    widget.print_requested.connect(
        lambda start, end, site: open_edd_preview(parent, runner, start=start, end=end, site=site)
    )
    show(widget)
    widget.load_sites()
    widget.refresh()
    return widget
