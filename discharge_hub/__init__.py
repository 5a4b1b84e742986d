"""Discharge Hub: case management for the LLR Integrated Discharge Hub.

Everything in this package except :mod:`discharge_hub.ui` is the headless core and
must never import PySide6 (``tests/test_architecture.py`` enforces it).
"""

__version__ = "0.1.0"
