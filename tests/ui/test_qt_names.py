"""No window keeps an attribute under the name of a Qt method (``actions``, ``printer``):
it hid the method from Qt's own callers and from ours."""

from __future__ import annotations

import io

from PySide6.QtWidgets import QWidget
from reportlab.pdfgen import canvas

from discharge_hub.ui.reports.preview import PdfPrintPreview
from tests.ui.conftest import wait_loaded


def _shadowed(root: QWidget) -> list[str]:
    """``Class.name`` for each instance attribute hiding a method of the widget's class."""
    found = []
    for widget in [root, *root.findChildren(QWidget)]:
        for name, value in vars(widget).items():
            method = getattr(type(widget), name, None)
            if callable(method) and not callable(value):
                found.append(f"{type(widget).__name__}.{name}")
    return sorted(set(found))


def _pdf() -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, "Discharge Hub")
    page.save()
    return out.getvalue()


def test_no_window_hides_a_qt_method(qtbot, main_window):
    row = main_window.model.all_rows()[0]
    workspace = main_window.open_spell(row.spell_id)
    wait_loaded(qtbot, workspace)
    main_window.open_screen("placements")
    main_window.run_report("huddle dashboard")
    main_window.run_report("edd reliability")
    assert workspace.hub.placement_actions is not None
    assert workspace.hub.actions() == []  # QWidget.actions() again
    assert _shadowed(main_window) == []
    preview = PdfPrintPreview(_pdf(), "Test report")
    qtbot.addWidget(preview)
    assert preview.printer() is preview.pdf_printer  # QPrintPreviewDialog.printer() again
    assert _shadowed(preview) == []
