"""What a refused save says (issue 10): the banner names the refused field, and the
banner wraps and shows whole."""

from __future__ import annotations

from discharge_hub.errors import ConflictError, ValidationError
from discharge_hub.ui.errors import message_for
from tests.conftest import uk
from tests.ui.board_round_support import busiest_ward_round
from tests.ui.layout_support import clipped_labels


def test_a_refusal_names_its_field_in_the_banner(qtbot, main_window):
    round_ = busiest_ward_round(qtbot, main_window)
    round_.plan.r2g_red.setChecked(True)  # a red day needs its reason
    with qtbot.waitSignal(round_.save_failed, timeout=10_000):
        round_.next()
    assert round_.banner.text().startswith("Not saved: Red day reason is required")
    assert "Not saved: is" not in round_.banner.text()


def test_a_refused_value_is_named_with_its_field():
    exc = ValidationError("ctr.review_date", "01/12/2027", "is in the future")
    text = message_for(exc, "Review date")
    assert text.startswith("Not saved: Review date: 01/12/2027 is in the future")
    # No form control at hand: the field's plain name, never its code
    assert message_for(ValidationError("edd.edd", "", "is required")).startswith(
        "Not saved: EDD is required"
    )


def test_a_conflict_names_the_person_and_the_uk_time():
    summer = uk(2026, 7, 14, 14, 5)  # 13:05 UTC
    exc = ConflictError("spell", 7, changed_by="Jane Smith (jsmith)", changed_at=summer)
    assert "This patient's record was changed by Jane Smith on 14/07/2026 at 14:05" in (
        message_for(exc)
    )
    assert "jsmith" not in message_for(exc) and "spell" not in message_for(exc)


def test_a_long_refusal_under_a_drop_down_wraps_and_shows_whole(
    qtbot, main_window, demo_db, dialogs
):
    from discharge_hub.services import queues
    from discharge_hub.ui.hub.dialogs import ReasonDialog
    from tests.ui.forms_support import choose, open_patient, save_refused

    with demo_db.read() as s:
        spell_id = queues.placement_queue(s, state="assessing")[0].spell_id
    workspace = open_patient(qtbot, main_window, spell_id)
    main_window.resize(1280, 800)
    choose(workspace.plan.pathway, "P0")
    dialogs.answer(ReasonDialog, None)  # keep the placements: the save is refused
    save_refused(qtbot, workspace)
    error = workspace.plan.pathway_section.error_text("pathway")
    assert "does not go through the hub" in error
    assert workspace.banner.isVisible()
    qtbot.waitUntil(lambda: clipped_labels(main_window) == [], timeout=2000)


def test_a_date_that_is_not_one_says_use_dd_mm_yyyy(qtbot, main_window, demo_db):
    from discharge_hub.models import Spell
    from tests.core_support import days
    from tests.ui.forms_support import open_patient, save, save_refused, type_into

    row = main_window.model.all_rows()[0]
    workspace = open_patient(qtbot, main_window, row.spell_id)
    type_into(qtbot, workspace.plan.edd, "31/02/2026")
    type_into(qtbot, workspace.plan.edd_reason, "Waiting for the bed")
    save_refused(qtbot, workspace)
    assert workspace.plan.edd_section.error_text("edd").endswith(
        "31/02/2026 is not a date (use DD/MM/YYYY)"
    )
    assert workspace.banner.text().startswith(
        "Not saved: EDD: 31/02/2026 is not a date (use DD/MM/YYYY)"
    )
    type_into(qtbot, workspace.plan.edd, days(4).strftime("%d/%m/%Y"))  # DD/MM/YYYY works
    assert not workspace.banner.isVisible()  # corrected: the banner goes
    save(qtbot, workspace)
    with demo_db.read() as s:
        assert s.get(Spell, row.spell_id).edd == days(4)
