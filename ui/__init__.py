"""Streamlit-side helpers shared by the pages: the sidebar and its URL state, cached engine calls, charts, tables.

Pages import from here and from :mod:`oversight`; the engine never imports this package.
"""

from . import charts, content, data, show, state
from .sidebar import page_setup, sidebar
from .text import md, md_list, plain

__all__ = ["charts", "content", "data", "md", "md_list", "page_setup", "plain", "show", "sidebar", "state"]
