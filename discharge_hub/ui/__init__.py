"""PySide6 desktop UI: the only package allowed to import Qt."""
