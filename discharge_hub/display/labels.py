"""Labels for codes, records and fields: what a person reads instead of "nursing_home",
"chc", "ctr_review" or "spell_id".

Code lists are the reference CSVs in ``resources/`` (read once, no database needed);
the few lists kept in the services (placement states, funding) are used from there.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache

from discharge_hub import reference
from discharge_hub.display import dates
from discharge_hub.services.hub import REFERRAL_STATE_LABELS
from discharge_hub.services.placements import FUNDING_LABELS, STATE_LABELS

# Code list name -> (resources file, label column).
CODE_LISTS: dict[str, tuple[str, str]] = {
    "pathway": ("pathways.csv", "label"),
    "delay_reason": ("delay_reasons.csv", "label"),
    "service_type": ("service_types.csv", "label"),
    "contact_method": ("contact_methods.csv", "label"),
    "barrier_kind": ("barrier_kinds.csv", "label"),
    "destination": ("discharge_destinations.csv", "label"),
    "method": ("discharge_methods.csv", "label"),
    "criterion": ("criteria_to_reside.csv", "label"),
    "ethnic_category": ("ethnic_categories.csv", "label"),
    "place": ("places.csv", "name"),
}
# Lists that are not reference data (states of a record, fixed by the program).
FIXED_LISTS: dict[str, dict[str, str]] = {
    "placement_state": STATE_LABELS,
    "funding": FUNDING_LABELS,
    "assessment_status": {
        "offered": "Offered",
        "referred": "Referred",
        "declined": "Declined",
        "completed": "Completed",
    },
    "referral_state": REFERRAL_STATE_LABELS,
    "barrier_state": {"open": "Open", "resolved": "Resolved"},
    "red2green": {"red": "Red", "green": "Green"},
    "sex": {"M": "Male", "F": "Female", "U": "Not known", "X": "Not specified"},
}


@cache
def _codes(kind: str) -> dict[str, str]:
    if kind in FIXED_LISTS:
        return FIXED_LISTS[kind]
    name, column = CODE_LISTS[kind]
    return {row["code"]: row[column] for row in reference.read_csv(name)}


def code_label(kind: str, code: str | None, empty: str = "") -> str:
    """The label of ``code`` in the list ``kind`` ("service_type", "funding"…); a code
    the list does not have is shown as itself (an old record keeps its meaning)."""
    if code is None or code == "":
        return empty
    return _codes(kind).get(code, code)


def code_and_label(kind: str, code: str | None, empty: str = "") -> str:
    """ "P2 – Community bed-based setting…" where the code itself is known to users."""
    if code is None or code == "":
        return empty
    label = _codes(kind).get(code)
    return f"{code} – {label}" if label else code


# -- records and fields (the History tab) -----------------------------------------------

RECORDS: dict[str, str] = {
    "spell": "Hospital stay",
    "patient": "Patient",
    "ctr_review": "Criteria to reside review",
    "ctr_review_criterion": "Criterion of a review",
    "edd_change": "EDD change",
    "hub_referral": "Hub referral",
    "placement": "Placement",
    "barrier": "Barrier",
    "carer": "Carer",
    "carer_contact": "Contact with patient or carer",
    "red2green_day": "Red2Green day",
    "provider": "Provider",
    "provider_vacancy": "Provider vacancies",
    "spell_fact": "Daily record",
}
ACTIONS: dict[str, str] = {"insert": "Added", "update": "Changed", "delete": "Removed"}
# Field -> (plain name, code list or value kind). Kinds: a code list name, "date",
# "instant", "yesno". Fields that only link records (spell_id…) are not shown.
FIELDS: dict[str, tuple[str, str | None]] = {
    "edd": ("EDD", "date"),
    "new_edd": ("New EDD", "date"),
    "old_edd": ("Previous EDD", "date"),
    "discharge_ready_date": ("Discharge ready date (DRD)", "date"),
    "review_date": ("Review date", "date"),
    "due_date": ("Due date", "date"),
    "date_of_birth": ("Date of birth", "date"),
    "start_date": ("Start date", "date"),
    "next_contact_due": ("Next contact due", "date"),
    "assessment_on": ("Assessment date", "date"),
    "day": ("Day", "date"),
    "admitted_at": ("Admitted", "instant"),
    "discharged_at": ("Discharged", "instant"),
    "contact_at": ("Contact", "instant"),
    "referred_at": ("Referred", "instant"),
    "accepted_at": ("Accepted", "instant"),
    "requested_at": ("Requested", "instant"),
    "resolved_at": ("Resolved", "instant"),
    "started_at": ("Started", "instant"),
    "state_changed_at": ("State changed", "instant"),
    "vacancies_as_of": ("Vacancies as of", "instant"),
    "as_of": ("As of", "instant"),
    "pathway_code": ("Pathway", "pathway"),
    "delay_reason_code": ("Delay reason", "delay_reason"),
    "service_type_code": ("Service type", "service_type"),
    "method_code": ("Method", "method"),
    "destination_code": ("Destination", "destination"),
    "kind_code": ("Kind", "barrier_kind"),
    "criterion_code": ("Criterion", "criterion"),
    "ethnic_category_code": ("Ethnic category", "ethnic_category"),
    "place_code": ("Council", "place"),
    "funding": ("Funding", "funding"),
    "assessment_status": ("Carer's assessment", "assessment_status"),
    "colour": ("Colour", "red2green"),
    "sex": ("Sex", "sex"),
    "meets_criteria": ("Meets the criteria to reside", "yesno"),
    "is_main_carer": ("Main carer", "yesno"),
    "consent_to_share": ("Consents to share", "yesno"),
    "interpreter_needed": ("Needs an interpreter", "yesno"),
    "interpreter_used": ("Interpreter used", "yesno"),
    "lives_alone": ("Lives alone", "yesno"),
    "relationship_to_patient": ("Relationship", None),
    "nhs_number": ("NHS number", None),
    "gp_practice": ("GP practice", None),
    "next_action": ("Next action", None),
    "ward": ("Ward", None),
    "bed": ("Bed", None),
    "site": ("Site", None),
    "provider": ("Provider", None),
}
LINK_FIELDS = frozenset(
    {
        "spell_id",
        "patient_id",
        "review_id",
        "carer_id",
        "referral_id",
        "recorded_at",
        "recorded_by",
        "changed_at",
        "changed_by",
    }
)
# Lists whose codes people use themselves ("P2", "A14"): shown with the label.
SHOWN_WITH_CODE = frozenset({"pathway", "delay_reason", "criterion"})
STATE_FIELDS = {
    "placement": "placement_state",
    "hub_referral": "referral_state",
    "barrier": "barrier_state",
}


def record_label(entity: str) -> str:
    return RECORDS.get(entity, entity.replace("_", " ").capitalize())


def action_label(action: str) -> str:
    return ACTIONS.get(action, action.capitalize())


def is_link_field(field: str | None) -> bool:
    """A field that only ties records together (``spell_id``): not for people's eyes."""
    return field in LINK_FIELDS


def field_label(field: str | None) -> str:
    if not field:
        return ""
    known = FIELDS.get(field)
    return known[0] if known else field.replace("_", " ").capitalize()


def value_text(entity: str, field: str | None, value: str | None) -> str:
    """A stored value as a person reads it: labels for codes, UK dates and times."""
    if value is None or value == "":
        return ""
    kind = STATE_FIELDS.get(entity) if field == "state" else FIELDS.get(field or "", ("", None))[1]
    if kind is None:
        return value
    if kind == "yesno":
        return {"yes": "Yes", "no": "No", "true": "Yes", "false": "No"}.get(value.lower(), value)
    if kind in ("date", "instant"):
        return _date_text(value, instant=kind == "instant")
    if kind in SHOWN_WITH_CODE:
        return code_and_label(kind, value)
    return code_label(kind, value)


def _date_text(value: str, *, instant: bool) -> str:
    try:
        if instant:
            return dates.uk_datetime(datetime.fromisoformat(value))
        return dates.uk_date(date.fromisoformat(value))
    except ValueError:
        return value
