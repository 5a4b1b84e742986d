"""Menu actions and entry points that generate a report off the GUI thread and then
open its print preview."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QMenu, QMessageBox, QWidget
from sqlalchemy.orm import Session

from discharge_hub import clock
from discharge_hub.reports import render
from discharge_hub.services.reference_lists import site_names
from discharge_hub.ui.reports.dashboard import HuddleDashboard
from discharge_hub.ui.reports.edd_dashboard import EddDashboard
from discharge_hub.ui.reports.huddle_dialog import HuddleReportDialog
from discharge_hub.ui.reports.preview import PdfPrintPreview
from discharge_hub.ui.tasks import TaskRunner

# Open previews and dialogs, kept referenced until closed (they are non-modal).
_open: set[PdfPrintPreview] = set()
_dialogs: set[QDialog] = set()


def show_preview(
    parent: QWidget | None, pdf: bytes, title: str, file_name: str | None = None
) -> PdfPrintPreview:
    dialog = PdfPrintPreview(pdf, title, parent, file_name=file_name)
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
        title = f"Daily huddle {day.isoformat()}"
        dialog = show_preview(parent, pdf, title, render.huddle_file_name(on=day, site=site))
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

    def done(made: tuple[bytes, str]) -> None:
        pdf, file_name = made
        dialog = show_preview(parent, pdf, "Handover summary", file_name)
        if on_shown is not None:
            on_shown(dialog)

    def make(session: Session) -> tuple[bytes, str]:
        pdf = render.handover_report(session, spell_id=spell_id, printed_by=actor)
        name = render.handover_file_name(session, spell_id=spell_id, on=clock.today())
        return pdf, name

    return runner.read(
        "making the handover summary",
        make,
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
        title = f"EDD reliability {start.isoformat()} to {end.isoformat()}"
        dialog = show_preview(parent, pdf, title)
        if on_shown is not None:
            on_shown(dialog)

    return runner.read(
        "making the EDD reliability report",
        lambda s: render.edd_report(s, start=start, end=end, site=site, printed_by=actor),
        done,
        _failed(parent, "EDD reliability report"),
    )


def ask_huddle_report(parent: QWidget | None, runner: TaskRunner) -> int:
    """List the sites on a worker, then ask for the day and site; accepted, preview."""

    def chosen(sites: list[str]) -> None:
        dialog = HuddleReportDialog(sites, parent)
        _dialogs.add(dialog)

        def finished(result: int) -> None:
            _dialogs.discard(dialog)
            if result == QDialog.DialogCode.Accepted:
                open_huddle_preview(parent, runner, on=dialog.day, site=dialog.site)

        dialog.finished.connect(finished)
        dialog.open()

    return (
        runner.query("listing the sites", site_names)
        .success(chosen)
        .failure(_failed(parent, "site list"))
        .run()
    )


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
        ask_huddle_report(parent, runner)

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
