"""The patient's discharge workspace (one tab per open patient)."""

from discharge_hub.ui.workspace.widget import WorkspaceWidget

__all__ = ["WorkspaceWidget"]
