"""Where the desktop keeps its UI state with QSettings (geometry, column widths and
order, the council last chosen): never data, paths or secrets (STYLE.md)."""

SETTINGS = ("NHS-LLR", "Discharge Hub")  # organisation, application
