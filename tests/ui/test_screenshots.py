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
        [*command, "--patients", "30", "--size", "1280x800"], capture_output=True, text=True,
        timeout=240,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert sorted(p.stem for p in out.glob("*.png")) == EXPECTED
    for path in out.glob("*.png"):
        image = QImage(str(path))
        assert (image.width(), image.height()) == (1280, 800), path.name
        # Not a blank grab: a real screen has many distinct colours.
        sample = {image.pixel(x, y) for x in range(0, 1280, 37) for y in range(0, 800, 29)}
        assert len(sample) > 5, path.name


def test_a_size_that_is_not_one_is_refused_naming_it(tmp_path: Path) -> None:
    out = tmp_path / "shots"
    done = subprocess.run(
        [sys.executable, "-m", "discharge_hub", "screenshots", "--out", str(out),
         "--size", "1280by800"],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    assert done.returncode == 2 and "'1280by800' is not a window size" in done.stderr
    assert not out.exists()
