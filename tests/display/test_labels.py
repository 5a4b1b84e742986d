"""Labels for codes, records and fields (issue 10), read from resources/."""

from __future__ import annotations

from discharge_hub.display import labels
from discharge_hub.reference import read_csv


def test_codes_are_shown_by_their_reference_labels():
    services = {r["code"]: r["label"] for r in read_csv("service_types.csv")}
    assert labels.code_label("service_type", "domiciliary") == services["domiciliary"]
    assert labels.code_label("funding", "chc") == "NHS continuing healthcare"
    assert labels.code_label("funding", "nhs") == "NHS"
    assert labels.code_label("contact_method", "phone") == "Telephone"
    assert labels.code_label("service_type", "retired_code") == "retired_code"  # kept
    assert labels.code_label("pathway", None, "—") == "—"
    assert labels.code_and_label("pathway", "P1").startswith("P1 – Home or usual place")


def test_history_values_read_as_words_and_uk_dates():
    assert labels.record_label("ctr_review") == "Criteria to reside review"
    assert labels.field_label("service_type_code") == "Service type"
    assert labels.field_label("relationship_to_patient") == "Relationship"
    assert labels.is_link_field("spell_id") and not labels.is_link_field("edd")
    assert labels.value_text("spell", "edd", "2026-12-11") == "11/12/2026"
    assert labels.value_text("placement", "state", "start_confirmed") == "Start date confirmed"
    assert labels.value_text("hub_referral", "state", "referred") == "Awaiting acceptance"
    assert labels.value_text("carer", "is_main_carer", "yes") == "Yes"
    assert labels.value_text("placement", "funding", "chc") == "NHS continuing healthcare"
    summer = labels.value_text("barrier", "resolved_at", "2026-07-14T13:05:00+00:00")
    assert summer == "14/07/2026 14:05"
    assert labels.value_text("spell", "next_action", "Ring the GP") == "Ring the GP"
