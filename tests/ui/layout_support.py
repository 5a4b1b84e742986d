"""Whether a window shows its texts whole."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget


def clipped_labels(root: QWidget) -> list[str]:
    """Visible wrapped labels shorter than their text needs at their width."""
    return [
        label.text()[:60]
        for label in root.findChildren(QLabel)
        if label.isVisible()
        and label.wordWrap()
        and label.text()
        and label.height() < label.heightForWidth(label.width())
    ]
