"""Streamlit-side helpers shared by the pages: the sidebar and its URL state, cached engine calls, charts, tables.

Pages import from here and from :mod:`oversight`; the engine never imports this package.
"""

from . import charts, data, show, state
from .sidebar import page_setup, sidebar

__all__ = ["charts", "data", "page_setup", "show", "sidebar", "state"]
