"""Small helpers for the AppTest suite (tests/test_app.py): open the app, move between pages, upload, read back.

AppTest opens the entry script by absolute path; other pages are reached with ``switch_page`` (a page opened as its
own script fails, because the shared sidebar's ``st.page_link`` needs the entry script). Opening a shared link to a
page is ``switch_page`` before the first run, with the link's query parameters set.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

import oversight as nof

ROOT = Path(__file__).resolve().parent.parent
ENTRY = ROOT / "streamlit_app.py"

OVERVIEW = "streamlit_app.py"
AMR = "pages/1_AMR_league_table.py"
IMR = "pages/2_Individual_metrics.py"
CONFIDENCE = "pages/3_Confidence_and_volatility.py"
PROFILE = "pages/4_Trust_profile.py"
UPLOAD = "pages/5_Upload.py"
WHAT_IF = "pages/6_What_if.py"
CAPABILITY = "pages/7_Board_capability.py"
COMPARE = "pages/8_Compare_trusts.py"
METHOD = "pages/9_Method_and_sources.py"
PAGES = [OVERVIEW, AMR, IMR, CONFIDENCE, PROFILE, COMPARE, UPLOAD, WHAT_IF, CAPABILITY, METHOD]

#: The link that opens the mental health and community trusts' table (the app opens on the acute one).
MHC_LINK = {"type": "mhc"}

# Elements whose text Streamlit renders as markdown.
MARKDOWN_KINDS = ("title", "header", "subheader", "markdown", "caption", "info", "warning", "success", "error")


def open_app(page: str = OVERVIEW, query_params: dict[str, str] | None = None) -> AppTest:
    """A fresh session (a new browser tab), run once on ``page``; ``query_params`` are the URL it was opened with."""
    at = AppTest.from_file(str(ENTRY), default_timeout=60)
    if query_params:
        at.query_params.update(query_params)
    if page != OVERVIEW:
        at.switch_page(page)
    return at.run()


def go(at: AppTest, page: str) -> AppTest:
    """Follow the sidebar to ``page`` in the same session; fails on an exception."""
    at.switch_page(page).run()
    assert not at.exception, _exception_text(at)
    return at


def upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    """Go to the upload page and upload ``files`` (name, bytes) in one go."""
    go(at, UPLOAD)
    at.file_uploader[0].set_value([(name, data, "text/csv") for name, data in files]).run()
    assert not at.exception, _exception_text(at)
    return at


def template_bytes(frame: pd.DataFrame) -> bytes:
    return nof.to_csv(frame).encode()


def metrics(at: AppTest) -> dict[str, str]:
    """``st.metric`` label to value, for the page on screen."""
    return {m.label: m.value for m in at.metric}


def table_with(at: AppTest, *columns: str, index: int = 0) -> pd.DataFrame:
    """The ``index``-th table on screen (st.dataframe, read-only) that has all of ``columns``."""
    found = [d.value for d in at.dataframe if d.editing_mode == "read_only" and set(columns) <= set(d.value.columns)]
    on_screen = [list(d.value.columns) for d in at.dataframe]
    assert len(found) > index, f"no table with columns {columns}; tables on screen: {on_screen}"
    return found[index]


def as_read(markdown: str) -> str:
    """What a reader sees of markdown made inert by ``ui.plain``: backslash escapes and word joiners removed."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def texts(at: AppTest, kinds=MARKDOWN_KINDS) -> list[str]:
    """The text of every element of ``kinds`` on screen, as a reader sees it (see :func:`as_read`)."""
    return [as_read(str(el.value)) for kind in kinds for el in getattr(at, kind)]


def markdown_texts(at: AppTest) -> list[tuple[str, str]]:
    """Every string on screen that Streamlit renders as markdown: text elements, metric labels, tab labels."""
    out = [(kind, str(el.value)) for kind in MARKDOWN_KINDS for el in getattr(at, kind)]
    out += [("metric label", m.label) for m in at.metric]
    out += [("tab label", t.label) for t in at.tabs]
    out += [("expander label", e.label) for e in at.expander]
    return out


MARKDOWN_FIELDS = ("body", "label", "help")  # proto fields rendered as markdown (alert bodies, labels, tooltips)


def _walk(node):
    yield node
    for child in (getattr(node, "children", None) or {}).values():
        yield from _walk(child)


def rendered_markdown(at: AppTest) -> list[tuple[str, str, str]]:
    """Every string on screen that Streamlit renders as markdown, found by walking the whole element tree (main and
    sidebar): (element type, proto field, text) for text elements, headings, alerts, captions, metric labels and
    values, help tooltips, tab and expander labels, widget labels and radio options. Table cells, chart specs and
    selectbox options are not markdown and are left out, and so is the app's own stylesheet (``ui.style.HTML``, a
    constant, matched exactly: any other HTML element is reported)."""
    from ui import style

    out = []
    for node in _walk(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None or not hasattr(proto, "ListFields"):
            continue
        kind = getattr(node, "type", type(node).__name__)
        for descriptor, value in proto.ListFields():
            if kind == "html" and value == style.HTML:
                continue
            if descriptor.name in MARKDOWN_FIELDS and isinstance(value, str) and value:
                out.append((kind, descriptor.name, value))
            elif descriptor.name == "options" and kind == "radio":
                out += [(kind, "options", str(v)) for v in value]
    return out


def _exception_text(at: AppTest) -> str:
    return "\n".join(f"{e.message}\n{''.join(e.stack_trace[-4:])}" for e in at.exception)


class MediaCapture:
    """Records the bytes behind every download button (AppTest keeps them in a store it throws away after a run),
    and the function behind every download made on click, which :meth:`data` calls as a click would."""

    def __init__(self, monkeypatch) -> None:
        self.files: dict[str, bytes] = {}
        self.deferred: dict[str, object] = {}
        original = MemoryMediaFileStorage.load_and_get_id
        original_deferred = MediaFileManager.add_deferred

        def load_and_get_id(storage, path_or_data, *args, **kwargs):
            file_id = original(storage, path_or_data, *args, **kwargs)
            if isinstance(path_or_data, bytes | bytearray):
                self.files[file_id] = bytes(path_or_data)
            return file_id

        def add_deferred(manager, data_callable, *args, **kwargs):
            file_id = original_deferred(manager, data_callable, *args, **kwargs)
            self.deferred[file_id] = data_callable
            return file_id

        monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", load_and_get_id)
        monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)

    def data(self, button) -> bytes:
        """The bytes a download button serves (its URL is /mock/media/<file id>.<ext>; a download made on click has
        a deferred file id instead, and its function is called here as a click would call it)."""
        if button.proto.deferred_file_id:
            made = self.deferred[button.proto.deferred_file_id]()
            return made.encode("utf-8") if isinstance(made, str) else bytes(made)
        file_id = Path(button.proto.url).stem
        assert file_id in self.files, f"no captured file for {button.label!r} ({button.proto.url})"
        return self.files[file_id]
