"""The hub's screens as their users work them: the referral queue (accept, return with a
reason, open the patient), the placements queue per council (remembered), placement
actions offering only the lifecycle's next steps, and the providers' vacancies."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtCore import QSettings, Qt
from sqlalchemy import select

from discharge_hub.models import HubReferral, Placement, Provider, ProviderVacancy, Spell
from discharge_hub.services import hub, queues, spells
from discharge_hub.services.placements import NEEDS_REASON, STATE_LABELS, next_states
from discharge_hub.ui import formatting as fmt
from discharge_hub.ui.hub.dialogs import (
    PlacementRequest,
    ReasonDialog,
    RequestPlacementDialog,
    StartDateDialog,
    VacancyDialog,
    VacancyFigure,
    WorkerDialog,
)
from discharge_hub.ui.hub.placements import PlacementQueueScreen
from discharge_hub.ui.hub.provider_picker import ProviderPicker
from discharge_hub.ui.hub.providers import ProvidersScreen
from discharge_hub.ui.hub.referrals import ReferralQueueScreen, waiting_text
from discharge_hub.ui.settings import SETTINGS
from discharge_hub.ui.workspace import WorkspaceWidget
from tests.core_support import days
from tests.ui.conftest import ACTOR

WAIT = 15_000


@pytest.fixture(autouse=True)
def no_council_remembered():
    """Each test starts with no "my council" remembered (QSettings outlive a test)."""
    QSettings(*SETTINGS).remove("hub")
    yield
    QSettings(*SETTINGS).remove("hub")


def open_screen(qtbot, window, key: str, cls: type):
    screen = window.open_screen(key)
    assert isinstance(screen, cls)
    qtbot.waitUntil(lambda: screen.refetch.idle and screen.counts.text() != "", timeout=WAIT)
    return screen


def pick(screen, key) -> None:
    assert screen.table.select_key(key), key


def refer(demo_db, spell_id: int, actor: str = "ward.nurse") -> None:
    with demo_db.unit_of_work(actor) as s:
        if s.get(Spell, spell_id).pathway_code != "P2":
            spells.set_pathway(s, spell_id=spell_id, expected_version=None, pathway="P2")
        hub.refer_to_hub(s, spell_id=spell_id, expected_version=None, notes="Needs rehab bed")


def test_referral_queue_by_keyboard_accept_return_and_open(qtbot, main_window, demo_db, dialogs):
    free = [r for r in main_window.model.all_rows() if r.pathway not in ("P1", "P2", "P3")]
    refer(demo_db, free[0].spell_id)
    main_window.activateWindow()
    qtbot.keyClick(main_window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    screen = main_window.tabs.currentWidget()
    assert isinstance(screen, ReferralQueueScreen)
    qtbot.waitUntil(lambda: screen.refetch.idle and screen.model.rowCount() > 0, timeout=WAIT)
    with demo_db.read() as s:
        expected = queues.referral_queue(s)
    assert [r.referral_id for r in screen.model.rows()] == [r.referral_id for r in expected]
    assert "awaiting acceptance" in screen.counts.text()

    # The new referral has no placement yet: once accepted it stays, below those waiting.
    target = next(r for r in expected if r.spell_id == free[0].spell_id)
    pick(screen, target.referral_id)
    assert screen.accept_button.isEnabled()
    qtbot.keyClick(screen, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)  # &Accept
    qtbot.waitUntil(lambda: screen.table.current().state == "accepted", timeout=WAIT)
    assert not screen.accept_button.isEnabled()
    assert screen.model.rows()[-1].referral_id == target.referral_id  # moved, still selected
    with demo_db.read() as s:
        saved = s.get(HubReferral, target.referral_id)
        assert (saved.state, saved.accepted_by) == ("accepted", ACTOR)
        assert [r.referral_id for r in screen.model.rows()] == [
            r.referral_id for r in queues.referral_queue(s)
        ]

    dialogs.answer(ReasonDialog, None)  # cancelled: nothing happens
    screen.return_button.click()
    dialogs.answer(ReasonDialog, "Family will take her home; P0")
    screen.return_button.click()
    qtbot.waitUntil(lambda: screen.model.position_of(target.referral_id) is None, timeout=WAIT)
    assert "Return" in dialogs.prompts(ReasonDialog)[0]
    with demo_db.read() as s:
        saved = s.get(HubReferral, target.referral_id)
        assert (saved.state, saved.return_reason) == ("returned", "Family will take her home; P0")

    # The returned referral left the list: nothing selected (not the next patient), and
    # the keyboard picks the next one to open.
    assert screen.table.current() is None and not screen.accept_button.isEnabled()
    screen.table.setFocus()
    qtbot.keyClick(screen.table, Qt.Key.Key_Down)
    row = screen.table.current()
    assert row is not None
    qtbot.keyClick(screen.table, Qt.Key.Key_Return)  # Enter opens the patient
    opened = main_window.tabs.currentWidget()
    assert isinstance(opened, WorkspaceWidget) and opened.spell_id == row.spell_id
    main_window.tabs.setCurrentWidget(screen)
    qtbot.keyClick(screen, Qt.Key.Key_Escape)
    assert main_window.tabs.indexOf(screen) == -1


def test_waiting_time_reads_as_days_hours_and_minutes() -> None:
    since = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert waiting_text(since, datetime(2026, 3, 2, 9, 45, tzinfo=UTC)) == "45 min"
    assert waiting_text(since, datetime(2026, 3, 2, 14, 10, tzinfo=UTC)) == "5 h 10 min"
    assert waiting_text(since, datetime(2026, 3, 5, 13, 0, tzinfo=UTC)) == "3 days 4 h"
    assert waiting_text(since, datetime(2026, 3, 3, 9, 0, tzinfo=UTC)) == "1 day 0 h"


def test_returning_needs_a_reason_typed(qtbot) -> None:
    dialog = ReasonDialog(None, "Return the referral", "Why?", "Return to ward")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.focusWidget() is dialog.reason  # typing goes to the reason, not Cancel
    assert not dialog.ok.isEnabled()
    qtbot.keyClicks(dialog.reason, "   ")
    assert not dialog.ok.isEnabled()
    qtbot.keyClicks(dialog.reason, "Not medically optimised")
    assert dialog.ok.isEnabled() and dialog.value() == "Not medically optimised"


def test_placements_queue_remembers_my_council_and_filters_by_state(qtbot, main_window, demo_db):
    screen = open_screen(qtbot, main_window, "placements", PlacementQueueScreen)
    with demo_db.read() as s:
        every = queues.placement_queue(s)
    assert screen.model.rowCount() == len(every)
    screen.council.setCurrentIndex(screen.council.findData("E06000017"))  # Rutland
    qtbot.waitUntil(lambda: screen.refetch.idle, timeout=WAIT)
    rutland = [r.placement_id for r in every if r.place_code == "E06000017"]
    assert [r.placement_id for r in screen.model.rows()] == rutland
    screen.state.setCurrentIndex(screen.state.findData("requested"))
    qtbot.waitUntil(lambda: screen.refetch.idle, timeout=WAIT)
    assert {r.state for r in screen.model.rows()} <= {"requested"}
    assert {r.place_code for r in screen.model.rows()} <= {"E06000017"}
    main_window._close_tab(main_window.tabs.indexOf(screen))
    again = open_screen(qtbot, main_window, "placements", PlacementQueueScreen)
    assert again is not screen and again.council.currentData() == "E06000017"
    assert again.state.currentData() is None  # the state filter is not remembered


def test_moves_offered_are_exactly_the_lifecycle_next_steps(qtbot, main_window):
    screen = open_screen(qtbot, main_window, "placements", PlacementQueueScreen)
    seen = set()
    for row in screen.model.rows():
        pick(screen, row.placement_id)
        offered = [a.text() for a in screen.move_menu.actions()]
        forward = [s for s in next_states(row.state) if s not in NEEDS_REASON]
        assert offered == [STATE_LABELS[s] for s in forward], row.state
        assert screen.decline_button.isEnabled() == ("declined" in next_states(row.state))
        assert screen.cancel_button.isEnabled()
        assert screen.provider_button.isEnabled() == (
            row.state in ("requested", "assessing", "offered")
        )
        seen.add(row.state)
    assert seen == {"requested", "assessing", "offered", "accepted", "start_confirmed"}


def _placement(screen, state: str, *, provider: bool | None = None):
    return next(
        r
        for r in screen.model.rows()
        if r.state == state and (provider is None or (r.provider_id is not None) == provider)
    )


def test_offer_asks_for_a_provider_from_those_serving_the_council(
    qtbot, main_window, demo_db, dialogs
):
    screen = open_screen(qtbot, main_window, "placements", PlacementQueueScreen)
    row = _placement(screen, "requested", provider=False)
    with demo_db.read() as s:
        choices = hub.providers_for_placement(s, row.placement_id)
    dialogs.answer(ProviderPicker, None)  # the user closed the picker: nothing written
    pick(screen, row.placement_id)
    screen.move_menu.actions()[1].trigger()  # "Offered"
    assert dialogs.asked[-1][2]["placement_id"] == row.placement_id
    dialogs.answer(ProviderPicker, choices[0].id)
    screen.move_menu.actions()[1].trigger()
    qtbot.waitUntil(lambda: screen.table.current().state == "offered", timeout=WAIT)
    assert screen.table.current().provider == choices[0].name
    with demo_db.read() as s:
        p = s.get(Placement, row.placement_id)
        assert (p.state, p.provider_id) == ("offered", choices[0].id)


def test_start_date_worker_provider_and_ending_with_a_reason(qtbot, main_window, demo_db, dialogs):
    screen = open_screen(qtbot, main_window, "placements", PlacementQueueScreen)
    accepted = _placement(screen, "accepted")
    pick(screen, accepted.placement_id)
    dialogs.answer(StartDateDialog, "31/02/2026")  # not a date: refused, said so
    screen.move_menu.actions()[0].trigger()
    qtbot.waitUntil(screen.banner.isVisible, timeout=WAIT)
    assert "start_date" in screen.banner.text() and "not a date" in screen.banner.text()
    start = days(7)
    dialogs.answer(StartDateDialog, fmt.uk_date(start))
    screen.move_menu.actions()[0].trigger()
    qtbot.waitUntil(lambda: screen.table.current().state == "start_confirmed", timeout=WAIT)
    assert not screen.banner.isVisible()

    dialogs.answer(WorkerDialog, "Sam Social")
    screen.worker_button.click()
    qtbot.waitUntil(lambda: screen.table.current().assigned_to == "Sam Social", timeout=WAIT)

    requested = _placement(screen, "requested")
    pick(screen, requested.placement_id)
    with demo_db.read() as s:
        choices = hub.providers_for_placement(s, requested.placement_id)
    dialogs.answer(ProviderPicker, choices[-1].id)
    screen.provider_button.click()
    qtbot.waitUntil(lambda: screen.table.current().provider_id == choices[-1].id, timeout=WAIT)

    dialogs.answer(ReasonDialog, "Provider cannot meet needs")
    screen.decline_button.click()
    qtbot.waitUntil(lambda: screen.model.position_of(requested.placement_id) is None, timeout=WAIT)
    # The row acted on left the list: nothing is selected, not the next patient (a
    # repeated key would act on them: found in a real window).
    assert screen.table.current() is None and screen.model.rowCount() > 0
    assert not screen.decline_button.isEnabled() and not screen.move_button.isEnabled()
    with demo_db.read() as s:
        p = s.get(Placement, requested.placement_id)
        assert (p.state, p.outcome_reason) == ("declined", "Provider cannot meet needs")
        started = s.get(Placement, accepted.placement_id)
        assert (started.start_date, started.assigned_to) == (start, "Sam Social")


def test_a_stale_row_is_refused_and_shown_as_it_is_now(qtbot, main_window, demo_db, dialogs):
    screen = open_screen(qtbot, main_window, "placements", PlacementQueueScreen)
    row = _placement(screen, "assessing")
    with demo_db.unit_of_work("other.worker") as s:  # no live link here: the row is stale
        hub.assign_worker(s, placement_id=row.placement_id, expected_version=None, worker="Kim")
    pick(screen, row.placement_id)
    dialogs.answer(WorkerDialog, "Sam")
    screen.worker_button.click()
    qtbot.waitUntil(lambda: screen.table.current().assigned_to == "Kim", timeout=WAIT)
    assert "other.worker changed this placement" in screen.banner.text()
    with demo_db.read() as s:
        assert s.get(Placement, row.placement_id).assigned_to == "Kim"


def test_request_another_placement_from_the_queue(qtbot, main_window, demo_db, dialogs):
    screen = open_screen(qtbot, main_window, "placements", PlacementQueueScreen)
    row = _placement(screen, "offered")
    pick(screen, row.placement_id)
    before = screen.model.rowCount()
    dialogs.answer(RequestPlacementDialog, PlacementRequest("equipment", "nhs", "Hoist"))
    screen.request_button.click()
    qtbot.waitUntil(lambda: screen.model.rowCount() == before + 1, timeout=WAIT)
    new = max(screen.model.rows(), key=lambda r: r.placement_id)
    assert (new.spell_id, new.service_type, new.funding, new.notes) == (
        row.spell_id,
        "equipment",
        "nhs",
        "Hoist",
    )
    assert screen.model.rows()[-1] is new  # oldest request first: the new one last


def test_request_dialog_offers_service_types_and_funding_by_label(qtbot, main_window) -> None:
    dialog = RequestPlacementDialog(None, main_window.refs, "SMITH, Ann")
    qtbot.addWidget(dialog)
    labels = [dialog.service.itemText(n) for n in range(dialog.service.count())]
    assert labels == [c.label for c in main_window.refs.service_types]
    dialog.funding.setCurrentIndex(dialog.funding.findData("chc"))
    assert dialog.funding.currentText() == "NHS continuing healthcare"
    dialog.notes.setText("Two carers")
    assert dialog.value() == PlacementRequest(dialog.service.currentData(), "chc", "Two carers")


def test_provider_picker_lists_vacancies_first(qtbot, main_window, demo_db) -> None:
    screen = open_screen(qtbot, main_window, "placements", PlacementQueueScreen)
    row = _placement(screen, "requested")
    picker = ProviderPicker(
        main_window, main_window.runner, placement_id=row.placement_id, patient="SMITH, Ann"
    )
    with qtbot.waitSignal(picker.loaded, timeout=WAIT):
        pass
    with demo_db.read() as s:
        expected = hub.providers_for_placement(s, row.placement_id)
    shown = picker.model.rows()
    assert [p.id for p in shown] == [p.id for p in expected] and shown
    vacancies = [p.vacancies > 0 for p in shown]
    assert vacancies == sorted(vacancies, reverse=True)
    assert picker.value() == shown[0].id
    text = picker.model.data(picker.model.index(0, 2))
    assert text == "never" or text[2] == "/"  # UK date of "vacancies as of"
    picker.deleteLater()


def test_providers_screen_edits_vacancies_with_history(qtbot, main_window, demo_db, dialogs):
    main_window.activateWindow()
    qtbot.keyClick(main_window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    screen = main_window.tabs.currentWidget()
    assert isinstance(screen, ProvidersScreen)
    qtbot.waitUntil(lambda: screen.refetch.idle and screen.model.rowCount() > 0, timeout=WAIT)
    provider = screen.table.current()
    qtbot.waitUntil(lambda: screen.history.rowCount() > 0, timeout=WAIT)
    before = screen.history.rowCount()
    target = 0 if provider.vacancies else 1
    dialogs.answer(VacancyDialog, VacancyFigure(target, "bad time"))
    screen.edit_button.click()
    qtbot.waitUntil(screen.banner.isVisible, timeout=WAIT)
    assert "as_of" in screen.banner.text()
    dialogs.answer(VacancyDialog, VacancyFigure(target, ""))
    screen.table.setFocus()
    qtbot.keyClick(screen.table, Qt.Key.Key_Return)  # Enter edits the vacancies
    assert "as_of" in screen.banner.text()  # required
    dialogs.answer(VacancyDialog, VacancyFigure(target, fmt.now_input()))
    screen.edit_button.click()
    qtbot.waitUntil(lambda: screen.table.current().vacancies == target, timeout=WAIT)
    qtbot.waitUntil(lambda: screen.history.rowCount() == before + 1, timeout=WAIT)
    with demo_db.read() as s:
        assert s.get(Provider, provider.id).vacancies == target
        kept = s.scalars(
            select(ProviderVacancy).where(ProviderVacancy.provider_id == provider.id)
        ).all()
        assert len(kept) == before + 1 and {v.recorded_by for v in kept} >= {ACTOR}


def test_vacancy_dialog_stays_within_capacity(qtbot, main_window, demo_db) -> None:
    with demo_db.read() as s:
        provider = hub.list_providers(s)[0]
    dialog = VacancyDialog(None, provider)
    qtbot.addWidget(dialog)
    dialog.vacancies.setValue(provider.capacity + 5)
    assert dialog.value().vacancies == provider.capacity
    assert dialog.as_of.text()[2] == "/"


def test_every_tab_stop_of_the_hub_screens_has_an_accessible_name(qtbot, main_window):
    from tests.ui.test_board_round_and_keyboard import _unnamed_focusable

    for key, cls in (
        ("referrals", ReferralQueueScreen),
        ("placements", PlacementQueueScreen),
        ("providers", ProvidersScreen),
    ):
        screen = open_screen(qtbot, main_window, key, cls)
        assert _unnamed_focusable(screen) == [], key


def _mnemonics(widgets) -> list[str]:
    import re

    letters = []
    for text in widgets:
        found = re.search(r"&([^&])", text.replace("&&", ""))
        if found:
            letters.append(found.group(1).lower())
    return letters


def test_mnemonics_of_the_hub_screens_and_workspace_tabs_do_not_clash(qtbot, main_window):
    from PySide6.QtWidgets import QAbstractButton, QLabel

    menu_bar = _mnemonics(a.text() for a in main_window.menuBar().actions())
    assert len(menu_bar) == len(set(menu_bar))
    for key, cls in (
        ("referrals", ReferralQueueScreen),
        ("placements", PlacementQueueScreen),
        ("providers", ProvidersScreen),
    ):
        screen = open_screen(qtbot, main_window, key, cls)
        texts = [b.text() for b in screen.findChildren(QAbstractButton) if b.isVisible()]
        texts += [lbl.text() for lbl in screen.findChildren(QLabel) if lbl.buddy()]
        letters = _mnemonics(texts)
        assert len(letters) == len(set(letters)), (key, letters)
        assert not set(letters) & set(menu_bar), (key, letters, menu_bar)
    workspace = main_window.open_spell(main_window.model.all_rows()[0].spell_id)
    tabs = _mnemonics(workspace.tabs.tabText(n) for n in range(workspace.tabs.count()))
    tabs += _mnemonics([workspace.save_button.text()])
    assert len(tabs) == len(set(tabs)) and not set(tabs) & set(menu_bar), (tabs, menu_bar)
    hub_buttons = _mnemonics(b.text() for b in workspace.hub.findChildren(QAbstractButton))
    assert not set(hub_buttons) & (set(tabs) | set(menu_bar)), hub_buttons
    assert len(hub_buttons) == len(set(hub_buttons))
