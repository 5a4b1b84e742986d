"""A clock fixed by DISCHARGE_HUB_FAKE_NOW (training, tests) is never silent on screen."""

from __future__ import annotations

import pytest

from discharge_hub import clock
from discharge_hub.ui.main_window import window_title


def test_the_title_bar_says_when_the_clock_is_fixed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(clock.FAKE_NOW_VARIABLE, "2026-10-25T00:05:00+01:00")
    assert window_title() == (
        "Discharge Hub – LLR Integrated Discharge Hub"
        " – CLOCK SET: STARTED AT 25/10/2026 00:05 (training; not the real time)"
    )
    monkeypatch.delenv(clock.FAKE_NOW_VARIABLE)
    assert window_title() == "Discharge Hub – LLR Integrated Discharge Hub"


def test_the_title_keeps_saying_it_once_signed_in(
    qtbot, main_window, demo_db, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found in a real window: signing in replaced the title, warning and all."""
    from discharge_hub.ui.app import show_signed_in

    monkeypatch.setenv(clock.FAKE_NOW_VARIABLE, "2026-12-01T23:56:30+00:00")
    show_signed_in(main_window, demo_db)
    title = main_window.windowTitle()
    assert "single user" in title
    assert title.endswith("CLOCK SET: STARTED AT 01/12/2026 23:56 (training; not the real time)")
    monkeypatch.delenv(clock.FAKE_NOW_VARIABLE)
    show_signed_in(main_window, demo_db)
    assert "CLOCK" not in main_window.windowTitle()
