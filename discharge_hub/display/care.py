"""One line about the patient's carers, for the board round (issue 10)."""

from __future__ import annotations

from datetime import date

from discharge_hub import clock
from discharge_hub.display import dates
from discharge_hub.display.labels import code_label
from discharge_hub.services.workspace import SpellDetail


def carer_line(detail: SpellDetail, *, today: date | None = None) -> str:
    """ "Carers: Jane SMITH (daughter, main carer; assessment referred) and 1 more ·
    last contact 30/11/2026 17:18 by telephone · next contact due 04/12/2026"."""
    today = today or clock.today()
    flag = detail.row is not None and detail.row.no_carer_contact_flag
    if not detail.carers:
        return "Carers: none recorded" + (" · NO CONTACT YET (pathways 1–3)" if flag else "")
    main = next((c for c in detail.carers if c.is_main_carer), detail.carers[0])
    about = [main.relationship or "", "main carer" if main.is_main_carer else ""]
    if main.assessment_status:
        about.append(f"assessment {code_label('assessment_status', main.assessment_status)}")
    described = ", ".join(a for a in about if a)
    text = f"Carers: {main.name}" + (f" ({described})" if described else "")
    if len(detail.carers) > 1:
        text += f" and {len(detail.carers) - 1} more"
    if detail.contacts:
        last = max(detail.contacts, key=lambda c: c.contact_at)
        method = code_label("contact_method", last.method).lower()
        text += f" · last contact {dates.uk_datetime(last.contact_at)} by {method}"
        due = max((c.next_contact_due for c in detail.contacts if c.next_contact_due), default=None)
        if due is not None and due < today:
            text += f" · next contact was due {dates.uk_date(due)} (OVERDUE)"
        elif due is not None:
            text += f" · next contact due {dates.uk_date(due)}"
    else:
        text += " · NO CONTACT YET" + (" (pathways 1–3)" if flag else "")
    return text
