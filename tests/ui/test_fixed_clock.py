"""A clock fixed by DISCHARGE_HUB_FAKE_NOW (training, tests) is never silent on screen."""

from __future__ import annotations

import pytest

from discharge_hub import clock
from discharge_hub.ui.main_window import window_title


def test_the_title_bar_says_when_the_clock_is_fixed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(clock.FAKE_NOW_VARIABLE, "2026-10-25T00:05:00+01:00")
    assert window_title() == (
        "Discharge Hub – LLR Integrated Discharge Hub"
        " – CLOCK FIXED AT 25/10/2026 00:05 (training; not the real time)"
    )
    monkeypatch.delenv(clock.FAKE_NOW_VARIABLE)
    assert window_title() == "Discharge Hub – LLR Integrated Discharge Hub"
