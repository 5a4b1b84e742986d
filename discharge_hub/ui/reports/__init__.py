"""Reports in the desktop app: the huddle dashboard and print previews of the PDFs.

Entry points for the main window (it owns the :class:`~discharge_hub.ui.tasks.TaskRunner`):

- :class:`HuddleDashboard` ``(runner)``: a widget (tab or dock) with the huddle charts.
- :class:`EddDashboard` ``(runner)``: EDD reliability for a range of discharge dates.
- :func:`open_huddle_preview` ``(parent, runner, on=..., site=...)``
- :func:`open_handover_preview` ``(parent, runner, spell_id=...)``
- :func:`add_report_actions` ``(menu, parent, runner, current_spell_id)``: fills a menu.

PDF generation runs on the runner's read workers; only the preview is built on the
GUI thread.
"""

from discharge_hub.ui.reports.actions import (
    add_report_actions,
    open_edd_preview,
    open_handover_preview,
    open_huddle_preview,
)
from discharge_hub.ui.reports.dashboard import HuddleDashboard
from discharge_hub.ui.reports.edd_dashboard import EddDashboard
from discharge_hub.ui.reports.preview import PdfPrintPreview

__all__ = [
    "EddDashboard",
    "HuddleDashboard",
    "PdfPrintPreview",
    "add_report_actions",
    "open_edd_preview",
    "open_handover_preview",
    "open_huddle_preview",
]
