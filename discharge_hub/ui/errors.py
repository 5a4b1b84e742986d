"""Showing the two kinds of error: the environment's (a clear message, nothing lost)
and bugs (a crash report the user can copy)."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from discharge_hub.display.labels import field_label
from discharge_hub.errors import (
    ConflictError,
    DatabaseError,
    DatabaseUnreachableError,
    DomainError,
    PermissionDeniedError,
    ValidationError,
)
from discharge_hub.ui.widgets import Section

BANNER_STYLE = (
    "QLabel { background: #fde2e1; color: #6b0000; border: 1px solid #a4000f; "
    "padding: 6px; font-weight: bold; }"
)
# Services name some fields by the section that raised them; where the control is.
ALIASES = {
    ("referral", "pathway"): ("pathway", "pathway"),
    ("referral", "referral"): ("pathway", "referral"),
    ("referral", "notes"): ("pathway", "notes"),
    ("delay_reason", "delay_reason"): ("pathway", "delay_reason"),
    ("next_action", "next_action"): ("pathway", "next_action"),
    ("contact", "carer"): ("contact", "with_whom"),
}


def make_banner() -> QLabel:
    banner = QLabel()
    banner.setWordWrap(True)
    banner.setStyleSheet(BANNER_STYLE)
    banner.setAccessibleName("Message")
    banner.setVisible(False)
    return banner


def hide_banner_when_corrected(sections: Iterable[Section], banner: QLabel) -> None:
    """Once the user has edited every field a refused save pointed at, the banner that
    said "Not saved: …" goes (it is shown again if the next save is refused)."""
    kept = list(sections)

    def check() -> None:
        if not any(s.has_errors() for s in kept):
            banner.setVisible(False)

    for section in kept:
        section.error_cleared.connect(check)


def refusal(name: str, exc: ValidationError) -> str:
    """ "Red day reason is required", "Review date: 01/12/2027 is in the future"."""
    if exc.value in (None, ""):
        verb = exc.reason.split(" ", 1)[0]
        joined = " " if verb in ("is", "are", "must", "cannot", "can", "has", "needs") else ": "
        return f"{name}{joined}{exc.reason}" if name else exc.reason
    return f"{name}: {exc.value!s} {exc.reason}" if name else f"{exc.value!s} {exc.reason}"


def message_for(exc: BaseException, field_name: str | None = None) -> str:
    """What the user reads in the banner; edits are always kept. A refused field is
    named ("Not saved: Red day reason is required for a red day")."""
    if isinstance(exc, ValidationError):
        name = field_name or field_label(exc.field.rpartition(".")[2])
        return f"Not saved: {refusal(name, exc)} (see the highlighted field). Your edits are kept."
    if isinstance(exc, ConflictError):
        return f"Not saved. {exc.message} Your edits are kept on screen."
    if isinstance(exc, DatabaseUnreachableError):
        return (
            "Not saved: the database is unreachable — retrying. Your edits are kept; "
            "save again when the status bar says it is back."
        )
    if isinstance(exc, PermissionDeniedError):
        return exc.message
    if isinstance(exc, DatabaseError):
        return f"Not saved: {exc.message} Your edits are kept; try Save again."
    if isinstance(exc, DomainError):
        return f"Not saved: {exc.message} Your edits are kept."
    return (
        "Not saved: an unexpected error (a bug) happened. Your edits are kept; "
        "a crash report was shown."
    )


def route_error(exc: BaseException, sections: Iterable[Section], banner: QLabel) -> Section | None:
    """Banner message, plus the validation message next to its field.

    Returns the section that shows the field, so the caller can bring it into view.
    """
    banner.setVisible(True)
    if not isinstance(exc, ValidationError):
        banner.setText(message_for(exc))
        return None
    key, _, field = exc.field.partition(".")
    key, field = ALIASES.get((key, field), (key, field))
    shown = f"{exc.reason}" if exc.value in (None, "") else f"{exc.value!s} {exc.reason}"
    for section in sections:
        if section.key == key and section.show_error(field, shown):
            banner.setText(message_for(exc, section.captions.get(field)))
            return section
    banner.setText(message_for(exc))
    return None


def show_crash_report(parent: QWidget | None, task: str, text: str) -> None:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle("Discharge Hub – unexpected error")
    box.setText(
        f"An unexpected error happened while {task}. This is a bug: please send the "
        "details below to the Discharge Hub team. Nothing you typed was lost."
    )
    box.setDetailedText(text)
    box.setModal(False)
    box.show()


def ask_yes_no(parent: QWidget | None, title: str, question: str) -> bool:
    """A yes/no question (tests replace this function instead of clicking a modal box)."""
    answer = QMessageBox.question(parent, title, question)
    return answer == QMessageBox.StandardButton.Yes
