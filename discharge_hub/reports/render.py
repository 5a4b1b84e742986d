"""One call per report, for the command line and the desktop app alike.

Each takes a Session (read only) and returns the finished bytes; writing them
anywhere is the caller's business (:func:`common.write_atomically` for files).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from discharge_hub import clock
from discharge_hub.errors import NotFoundError
from discharge_hub.models import Patient, Spell
from discharge_hub.reports import red2green, sitrep
from discharge_hub.reports.common import check_report_date
from discharge_hub.reports.csv_out import csv_bytes
from discharge_hub.reports.edd_data import edd_reliability
from discharge_hub.reports.edd_pdf import EDD_COLUMNS, edd_pdf, edd_row
from discharge_hub.reports.handover_data import handover_summary
from discharge_hub.reports.handover_pdf import handover_pdf
from discharge_hub.reports.huddle_data import huddle_figures
from discharge_hub.reports.huddle_pdf import huddle_pdf
from discharge_hub.services import spells
from discharge_hub.validators import format_nhs_number, normalise_nhs_number


def huddle_report(
    session: Session,
    *,
    on: date,
    site: str | None,
    printed_by: str,
    printed_at: datetime | None = None,
) -> bytes:
    """The daily huddle PDF for ``on`` (not in the future), one site or all. A past
    day's report shows the day as it stood at its end, stamped with that instead of
    the print time: printed again later it is the same file."""
    figures = huddle_figures(session, on=check_report_date(on), site=site)
    past = on if on < clock.today() else None
    return huddle_pdf(
        figures, printed_at=printed_at or clock.now(), printed_by=printed_by, as_at_end_of=past
    )


def handover_report(
    session: Session, *, spell_id: int, printed_by: str, printed_at: datetime | None = None
) -> bytes:
    """The handover summary PDF of one spell."""
    moment = printed_at or clock.now()
    summary = handover_summary(session, spell_id=spell_id, printed_by=printed_by, printed_at=moment)
    return handover_pdf(summary, printed_at=moment, printed_by=printed_by)


def handover_file_name(session: Session, *, spell_id: int, on: date) -> str:
    """``Handover KOWALSKI 9990100012 2026-11-24.pdf``: family name, NHS number, day."""
    found = session.execute(
        select(Patient.family_name, Patient.nhs_number)
        .join(Spell, Spell.patient_id == Patient.id)
        .where(Spell.id == spell_id)
    ).one_or_none()
    if found is None:
        raise NotFoundError(f"No spell with id {spell_id}.")
    family, nhs = found
    return f"Handover {family.upper()} {nhs} {on.isoformat()}.pdf"


def huddle_file_name(*, on: date, site: str | None) -> str:
    """``Daily huddle 2026-11-23.pdf`` (``Daily huddle Glenfield 2026-11-23.pdf``)."""
    where = f" {site}" if site else ""
    return f"Daily huddle{where} {on.isoformat()}.pdf"


def spell_for_handover(session: Session, nhs_number: str) -> int:
    """The patient's open spell, else their latest (NotFoundError if none)."""
    digits = normalise_nhs_number(nhs_number)
    view = spells.find_spell(session, digits)
    if view is None:
        raise NotFoundError(f"No patient with NHS number {format_nhs_number(digits)} has a spell.")
    return view.id


def sitrep_csv(session: Session, *, on: date) -> bytes:
    """The sitrep return for ``on`` (not in the future) as CSV bytes."""
    return sitrep.to_csv(sitrep.sitrep(session, on=check_report_date(on)))


def edd_report(
    session: Session,
    *,
    start: date,
    end: date,
    site: str | None = None,
    printed_by: str,
    printed_at: datetime | None = None,
) -> bytes:
    """The EDD reliability PDF of the discharges from ``start`` to ``end``. Its days
    are all past or today; a range that ends before today is stamped "as at the end
    of" its last day, so printing it again gives the same file."""
    figures = edd_reliability(session, start=start, end=end, site=site)
    past = end if end < clock.today() else None
    return edd_pdf(
        figures, printed_at=printed_at or clock.now(), printed_by=printed_by, as_at_end_of=past
    )


def edd_csv(session: Session, *, start: date, end: date, site: str | None = None) -> bytes:
    """One row per discharged stay (``docs/edd.md``), in discharge order."""
    figures = edd_reliability(session, start=start, end=end, site=site)
    return csv_bytes(EDD_COLUMNS, (edd_row(s) for s in figures.stays))


def red2green_csv(session: Session, *, start: date, end: date) -> bytes:
    """Every Red2Green day recorded from ``start`` to ``end``."""
    check_report_date(end, field="to")
    return csv_bytes(red2green.EXPORT_COLUMNS, red2green.export_rows(session, start=start, end=end))
