"""``discharge-hub`` with no command opens the desktop app, or says clearly why not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_no_screen_is_refused_with_a_clear_message_and_exit_2(tmp_path: Path) -> None:
    env = {
        k: v for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }  # fmt: skip
    db = tmp_path / "app.sqlite3"
    for args in ([], ["app"]):
        done = subprocess.run(
            [sys.executable, "-m", "discharge_hub", "--db", str(db), *args],
            capture_output=True, text=True, env=env, timeout=60,
        )  # fmt: skip
        assert done.returncode == 2, done.stderr
        assert "needs a screen" in done.stderr and "DISPLAY" in done.stderr
        assert "qt.qpa" not in done.stderr  # refused before Qt tried to start
    assert not db.exists()  # nothing opened, nothing written
