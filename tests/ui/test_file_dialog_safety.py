"""A real file dialog listing the embedded database's folder (issue 8, part 1).

Qt's file dialog opens the ``-wal`` and ``-shm`` files of the folder it lists to guess
their type, which silently releases SQLite's POSIX locks in this process. Then another
program reads and tries to write: every commit reported as done must be in the file.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QLineEdit

from discharge_hub.db import Database, sqlite_path
from tests.cli.conftest import run_cli
from tests.conftest import valid_nhs
from tests.core_support import admit
from tests.test_sqlite_safety import my_posix_locks, nhs_numbers, one_admission_csv


def test_a_file_dialog_in_the_database_folder_loses_no_commit(
    qtbot, sqlite_url: str, tmp_path: Path
) -> None:
    path = sqlite_path(sqlite_url)
    assert path is not None
    folder = tmp_path / "extract"
    folder.mkdir()
    extract = one_admission_csv(folder, 9)
    db = Database.open(sqlite_url)
    try:
        admit(db, 0)
        held = my_posix_locks(path)
        assert held > 0
        dialog = QFileDialog(None, "Save the huddle report", str(path.parent))
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        qtbot.addWidget(dialog)
        dialog.show()
        name_box = dialog.findChild(QLineEdit, "fileNameEdit")
        assert name_box is not None
        qtbot.keyClicks(name_box, "disch")  # the completer lists the folder's files
        # The hazard really happened: the dialog's MIME checks released our locks.
        qtbot.waitUntil(lambda: my_posix_locks(path) < held, timeout=15_000)
        reader = run_cli("db", "current", "--db", str(path))
        assert reader.returncode == 0, reader.stderr
        writer = run_cli("import", "csv", str(extract), "--db", str(path))
        assert writer.returncode == 2 and "open in another program" in writer.stderr
        admit(db, 1)
        dialog.close()
    finally:
        db.dispose()
    assert nhs_numbers(path) == {valid_nhs(0), valid_nhs(1)}
