"""The app's one small stylesheet: what Streamlit's theme settings cannot do for WCAG 2.2 AA and a board's screen.

* Captions carry essential text here (sources, methods, chart descriptions). Streamlit draws them in the text colour
  at 60 % opacity, which axe measures as #747B80 on the sidebar's #F0F4F5, 3.88:1 (about 4.0:1 on white); they are
  drawn at full opacity in NHS Dark Grey #425563 instead: 7.75:1 on white and 6.99:1 on the sidebar (WCAG 1.4.3
  asks 4.5:1). The colour alone is not enough: at 60 % opacity #425563 still measures 2.77:1.
* Keyboard focus: a 3 px NHS Dark Blue (#003087) outline on every focused control (11.85:1 on white, 10.7:1 on the
  sidebar; WCAG 1.4.11 and 2.4.7). Streamlit marks a focused sidebar page link by a background 1.09:1 from the
  sidebar's own, and a focused button by a pale blue glow.
* Charts stay inside their column; nothing here loads a font or a file (the app works offline).
* On a wide screen the main area's side padding is 2.5rem, not Streamlit's 5rem, so that a league table's key
  columns fit at 1440 px without scrolling sideways.

:func:`apply` adds the sheet to the page; every page calls it once, from ``ui.sidebar.page_setup``. A stylesheet
with only ``<style>`` goes to Streamlit's event container and takes no space on the page.
"""

from __future__ import annotations

import streamlit as st

CAPTION = "#425563"  # NHS Dark Grey
FOCUS = "#003087"  # NHS Dark Blue

CSS = f"""
[data-testid="stCaptionContainer"] {{ opacity: 1; }}
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p {{ color: {CAPTION}; }}
a:focus-visible, button:focus-visible, summary:focus-visible, [role="tab"]:focus-visible,
[role="button"]:focus-visible, [tabindex]:focus-visible {{
  outline: 3px solid {FOCUS} !important; outline-offset: 2px; box-shadow: none !important;
}}
[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"]:focus-visible {{ outline-offset: -3px; }}
[data-testid="stVegaLiteChart"] {{ max-width: 100%; }}
@media (min-width: 1200px) {{
  [data-testid="stMainBlockContainer"] {{ padding-left: 2.5rem; padding-right: 2.5rem; }}
}}
"""


HTML = f"<style>{CSS}</style>"  # the only HTML the app writes itself; it holds no text from a file or a link


def apply() -> None:
    """Add the app's stylesheet (:data:`CSS`) to the page being drawn."""
    st.html(HTML)
