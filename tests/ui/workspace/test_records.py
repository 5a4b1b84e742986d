"""The History tab (issue 10): UK dates and times, plain names of records and fields,
labels for codes, names of wards and delay reasons, never "spell id · 201"."""

from __future__ import annotations

import re

from discharge_hub.services import queues
from tests.ui.forms_support import open_patient

ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def _history(workspace) -> list[list[str]]:
    model = workspace.history.audit
    return [
        [model.index(r, c).data() for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def test_the_history_reads_as_plain_words_and_uk_dates(qtbot, main_window, demo_db):
    with demo_db.read() as s:
        spell_id = queues.placement_queue(s, state="assessing")[0].spell_id
    workspace = open_patient(qtbot, main_window, spell_id)
    rows = _history(workspace)
    assert len(rows) > 10
    records = {r[3] for r in rows}
    fields = {r[4] for r in rows}
    values = {v for r in rows for v in r[5:]}
    assert {"Hospital stay", "Placement", "Patient"} <= records
    assert not any("_" in text for text in records | fields)
    assert not {"Spell id", "spell id", "Patient id", "Review id"} & fields
    assert "Service type" in fields and "Funding" in fields
    # codes shown by their labels
    assert not {"nursing_home", "residential_home", "domiciliary", "chc", "nhs"} & values
    assert not any(ISO.search(v) for v in values if v)  # dates as DD/MM/YYYY
    assert {r[2] for r in rows} <= {"Added", "Changed", "Removed"}
    assert all(re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", r[0]) for r in rows)
    # the stay's ward by its name, not its id
    ward = next(r for r in rows if r[3] == "Hospital stay" and r[4] == "Ward")
    assert not ward[6].isdigit()
