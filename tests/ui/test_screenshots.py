"""``discharge-hub screenshots`` renders every main screen to a real PNG."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

EXPECTED = [
    "01-ward-board", "02-board-ready-for-discharge", "03-board-one-ward", "04-workspace-plan",
    "05-workspace-barriers", "06-workspace-carers", "07-workspace-hub", "08-workspace-history",
    "09-board-round", "10-hub-referral-queue", "11-placements-queue",
    "12-providers-and-vacancies", "13-workspace-changed-by-someone", "14-conflict-dialog",
]  # fmt: skip


def test_screenshots_command_writes_every_screen(tmp_path: Path, qapp) -> None:
    out = tmp_path / "shots"
    command = [sys.executable, "-m", "discharge_hub", "screenshots", "--out", str(out)]
    done = subprocess.run(
        [*command, "--patients", "30"], capture_output=True, text=True, timeout=240,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert sorted(p.stem for p in out.glob("*.png")) == EXPECTED
    for path in out.glob("*.png"):
        image = QImage(str(path))
        assert (image.width(), image.height()) == (1440, 900), path.name
        # Not a blank grab: a real screen has many distinct colours.
        sample = {image.pixel(x, y) for x in range(0, 1440, 37) for y in range(0, 900, 29)}
        assert len(sample) > 5, path.name
