"""The carers tab shows labels, not codes (issue 10): "Telephone", not "phone"; people
by name."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select

from discharge_hub.models import CarerContact
from discharge_hub.reference import read_csv
from tests.ui.forms_support import open_patient


def test_the_contact_log_shows_the_method_label_and_the_persons_name(qtbot, main_window, demo_db):
    open_ids = {r.spell_id for r in main_window.model.all_rows()}
    with demo_db.read() as s:
        contact = next(c for c in s.scalars(select(CarerContact)) if c.spell_id in open_ids)
        spell_id = contact.spell_id
    workspace = open_patient(qtbot, main_window, spell_id)
    model = workspace.carers.log_model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    how = headers.index("How")
    shown = {
        model.index(r, how).data().removesuffix(" (interpreter)") for r in range(model.rowCount())
    }
    labels = {row["label"] for row in read_csv("contact_methods.csv")}
    assert shown and shown <= labels
    assert not shown & {row["code"] for row in read_csv("contact_methods.csv")}
