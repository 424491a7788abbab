"""The app against hostile or careless input (issue 8): text from files that tries to be markdown, shared links full
of nonsense, uploads too big to chart, labels long enough to make two element keys equal, and work a page does not
need. Each class of problem has one mechanism in ``ui`` and a test here that would fail without it.

Helpers live in tests/apptest_helpers.py; the mechanisms in ui/text.py (escaping), ui/state.py and ui/controls.py
(links), ui/show.py (chart limits and element keys) and ui/data.py (what is cached where).
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hypothesis_st
from streamlit.runtime.caching import clear_session_data_cache

import oversight as nof
import ui.show
from oversight import io
from oversight._cells import normalise_text
from tests import synthetic
from tests.apptest_helpers import (
    CONFIDENCE,
    MHC_LINK,
    OVERVIEW,
    PAGES,
    PROFILE,
    ROOT,
    UPLOAD,
    WHAT_IF,
    _exception_text,
    go,
    open_app,
    rendered_markdown,
    table_with,
    template_bytes,
    texts,
    upload,
)
from tests.hostile_inputs import FILE_NAME, PAYLOADS, QUARTERS, hostile_template
from ui import controls
from ui.sidebar import LINK_PARAMS
from ui.text import WORD_JOINER, md, plain

SESSION_ID = "test session id"  # AppTest's (streamlit.testing.v1.local_script_runner)


pytestmark = pytest.mark.usefixtures("fresh_caches")  # each test starts from empty Streamlit caches


@pytest.fixture(scope="module")
def example(mhc_dataset) -> pd.DataFrame:
    return io.template_example(mhc_dataset)


def visit_every_page(at, current: str):
    """Every page in one session, starting with ``current`` (on screen already); yields each page once it has run
    without an exception."""
    yield current
    for page in PAGES:
        if page != current:
            go(at, page)
            yield page


# ---------------------------------------------------------------------------------------------------------------
# 3. Markdown and links from files: text from a file is shown as text, on every page, in every markdown field.

# What Streamlit's markdown would still act on. Checked on the text with backslash escapes resolved (as the
# renderer resolves them before GitHub's autolinks and Streamlit's :icons: look at it), or, for syntax, unescaped.
LIVE = {
    "bare URL": re.compile(r"https?://|www\.", re.IGNORECASE),
    "e-mail link": re.compile(r"\w@\w"),
    "icon or colour directive": re.compile(r":(material/|red\[)"),
}
LIVE_SYNTAX = {
    "link or image": re.compile(r"(?<!\\)\]\("),
    "HTML": re.compile(r"(?<!\\)<"),
    "maths": re.compile(r"(?<!\\)\$"),
}


def live_parts(text: str) -> list[str]:
    """The kinds of live markup in one markdown string (empty when it is inert)."""
    resolved = re.sub(r"\\(.)", r"\1", text)
    found = [name for name, pattern in LIVE.items() if pattern.search(resolved)]
    found += [name for name, pattern in LIVE_SYNTAX.items() if pattern.search(text)]
    return found + [f"raw payload {p!r}" for p in PAYLOADS + QUARTERS if p in text]


@pytest.mark.parametrize(("payload", "expected"), [
    ("http://example.invalid", "http\\:\u2060//example\\.invalid"),
    ("www.example.invalid", "www\u2060\\.example\\.invalid"),
    ("a@b.c", "a\\@\u2060b\\.c"),
    (":material/home:", "\\:\u2060material/home\\:\u2060"),
    ("[c](javascript:alert(1))", "\\[c\\]\\(javascript\\:\u2060alert\\(1\\)\\)"),
    ("line\nbreak\u202eflipped", "line break flipped"),
    ("Q4 2025/26, 61 trusts; 50% \"quoted\"", "Q4 2025/26, 61 trusts; 50% \"quoted\""),
])
def test_plain_escapes_and_breaks_links(payload, expected):
    assert plain(payload) == expected


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(text=hypothesis_st.text(alphabet=hypothesis_st.characters(codec="utf-8"), max_size=200))
def test_plain_is_the_same_for_long_and_short_text_and_drops_every_control_character(text):
    """The shortcut for printable text and the memory of short strings change nothing: each control, format or
    line-separator character becomes a space, whatever the text's length."""
    import unicodedata

    from ui import text as ui_text

    slow = re.sub(r"\s+", " ", "".join(" " if unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp"} else c
                                       for c in text))
    assert ui_text._visible(text) == slow
    assert plain(text) == plain(text) == ui_text._escape(text)


def test_md_escapes_values_not_the_template():
    assert md("**{}** ranks {:.2f}", "A*B [x](y)", 2.5) == "**A\\*B \\[x\\]\\(y\\)** ranks 2\\.50"


def test_no_file_text_renders_as_markdown_on_any_page(example):
    at = open_app()
    upload(at, (FILE_NAME, template_bytes(hostile_template(example))))
    assert at.session_state["dataset"] == "upload", texts(at, ("error",))
    # The reader upper-cases trust codes (one normalisation for every identifier, oversight._cells).
    first_code = normalise_text(hostile_template(example)["trust_code"].iloc[0]).upper()
    at.sidebar.selectbox(key="trust").set_value(first_code).run()
    checked = 0
    for page in visit_every_page(at, UPLOAD):
        strings = rendered_markdown(at)
        live = [(page, kind, field, text, parts) for kind, field, text in strings if (parts := live_parts(text))]
        assert not live, live
        checked += len(strings)
        assert any(WORD_JOINER in text for _, _, text in strings), f"{page}: no payload text reached the screen"
    assert checked > 100


def test_refused_file_name_is_shown_as_text():
    at = open_app()
    upload(at, ("[x](http://example.invalid) <b>.xlsx", b"PK\x03\x04" + bytes(200)))
    assert len(at.error) == 1 and at.error[0].value.startswith("\\[x\\]\\(http\\:\u2060//")
    assert not [(kind, text) for kind, _, text in rendered_markdown(at) if live_parts(text)]


# Calls whose text Streamlit renders as markdown, and the argument (position, keyword) holding it.
MARKDOWN_CALLS = {name: (0, "body") for name in (
    "markdown", "title", "header", "subheader", "caption", "info", "warning", "success", "error", "toast")}
MARKDOWN_CALLS |= {"metric": (0, "label"), "expander": (0, "label"), "tabs": (0, "tabs")}
MARKDOWN_CALLS |= {name: (0, "label") for name in (
    "button", "download_button", "radio", "selectbox", "multiselect", "toggle", "checkbox", "number_input",
    "text_input", "file_uploader")}
MARKDOWN_CALLS["page_link"] = (None, "label")
SOURCES = sorted([ROOT / "streamlit_app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py")])


def _constant(node: ast.expr) -> bool:
    """NAME or module.NAME: a constant of ours."""
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
    return name.isupper()


def _safe(node: ast.expr, from_constants: set[str]) -> bool:
    """Text that cannot carry a file's text unescaped: a literal, a constant of ours (or an entry of one) or a loop
    variable over one (``from_constants``), a call of md(), md_list() or plain(), or a + of safe parts; for tabs, a
    list of safe labels."""
    if isinstance(node, ast.Constant) or _constant(node):
        return True
    if isinstance(node, ast.Subscript):  # an entry of a constant of ours
        return _constant(node.value)
    if isinstance(node, ast.Name):
        return node.id in from_constants
    if isinstance(node, ast.JoinedStr):
        return not any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.Call):
        func = node.func
        return (func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")) in {"md", "md_list", "plain"}
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _safe(node.left, from_constants) and _safe(node.right, from_constants)
    if isinstance(node, ast.IfExp):
        return _safe(node.body, from_constants) and _safe(node.orelse, from_constants)
    if isinstance(node, ast.List | ast.Tuple):
        return all(_safe(e, from_constants) for e in node.elts)
    return False


def unescaped_calls(path: Path) -> list[str]:
    """Calls in ``path`` of a Streamlit element (on ``st``, a column, a container...; not on another imported module,
    such as ``catalogue.metric``) whose markdown argument is not :func:`_safe`."""
    tree = ast.parse(path.read_text(), str(path))
    modules = {(a.asname or a.name).split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)
               for a in n.names} - {"st"}
    from_constants = {t.id for n in ast.walk(tree) if isinstance(n, ast.For) and _constant(n.iter)
                      for t in ast.walk(n.target) if isinstance(t, ast.Name)}
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        receiver = node.func.value
        if node.func.attr not in MARKDOWN_CALLS or isinstance(receiver, ast.Name) and receiver.id in modules:
            continue
        position, keyword = MARKDOWN_CALLS[node.func.attr]
        texts_ = [k.value for k in node.keywords if k.arg in {keyword, "help"}]
        texts_ += node.args[position:position + 1] if position is not None else []
        found += [f"{path.name}:{t.lineno}: st.{node.func.attr}({ast.unparse(t)[:70]})" for t in texts_
                  if not _safe(t, from_constants)]
    return found


def test_every_markdown_call_escapes_what_it_is_given():
    """Structural: no page or helper hands Streamlit an f-string, a variable or an expression as markdown; text is
    a literal, a constant of ours, or goes through ui.md / ui.plain."""
    found = [line for path in SOURCES for line in unescaped_calls(path)]
    assert not found, "\n".join(found)


def test_the_lint_catches_an_unescaped_f_string(tmp_path):
    bad = tmp_path / "page.py"
    bad.write_text('import streamlit as st\nname = "x"\nst.info(f"Hello {name}")\nst.metric("a", 1, help=name)\n'
                   'st.tabs([f"Chart: {name}", "Table"])\nst.caption(ui.md("{}", name))\n'
                   'for title in PAGES:\n    st.page_link("p.py", label=title)\n')
    assert [line.split(": ", 1)[1] for line in unescaped_calls(bad)] == [
        "st.info(f'Hello {name}')", "st.metric(name)", "st.tabs([f'Chart: {name}', 'Table'])"]


# ---------------------------------------------------------------------------------------------------------------
# 4. Tracebacks from links and plausible files.

NONSENSE = ["nan", "inf", "-1", "99", "1e309", "", "x" * 5_000, "Ünïcødé ☃ 🏥 \u202e", ["1", "2"], "access:99",
            "a:b:c", "RZZ99", "Q9 2099/00", "access:nan,safety:-1", "[x](javascript:alert(1))"]
LINK_NAMES = [p.name for p in LINK_PARAMS]


def _nonsense_id(value) -> str:
    text = "|".join(value) if isinstance(value, list) else value
    return repr(text[:12]) + (f"+{len(text)}" if len(text) > 12 else "")


@pytest.mark.parametrize("value", NONSENSE, ids=[_nonsense_id(v) for v in NONSENSE])
def test_nonsense_in_every_link_parameter_leaves_every_page_working(value):
    """Every parameter a link may carry set to ``value`` at once; the link opened on the what-if page (the page that
    reads the most of them); then every other page in the same session."""
    at = open_app(WHAT_IF, dict.fromkeys(LINK_NAMES, value))
    assert not at.exception, _exception_text(at)
    for _ in visit_every_page(at, WHAT_IF):
        # What the app writes back to the URL is always something it can read again.
        for param in LINK_PARAMS:
            if param.name in at.query_params:
                param.from_url(at.query_params[param.name])


def test_a_link_value_that_is_not_used_says_so():
    at = open_app(WHAT_IF, {"weights": "access:99", "quarter": "Q9 2099/00", "cuts": "1,2,inf", "override": "maybe",
                                "type": "mhc"})
    notes = " ".join(texts(at, ("warning",)))
    for name in ("weights", "quarter", "cuts", "override"):
        assert f"The link's **{name}** value" in notes, notes
    assert "99 is not a number from 0 to 10" in notes
    assert at.number_input(key="weight-access").value == 1.0  # the default, not the link's 99
    assert at.toggle(key="override").value is True
    assert "weights" not in at.query_params and at.query_params["quarter"] == "Q4 2025/26"


def test_every_page_has_its_own_inline_favicon():
    from ui import icons
    from ui.sidebar import PAGES as SIDEBAR_PAGES

    names = [icon.removeprefix(":material/").removesuffix(":") for _, _, icon in SIDEBAR_PAGES]
    assert set(names) == set(icons.PATHS)
    sources = [(ROOT / path).read_text() for path, _, _ in SIDEBAR_PAGES]
    assert all('ui.page_setup("' in s and f'"{icon}")' in s for s, (_, _, icon) in zip(sources, SIDEBAR_PAGES))


def test_app_never_shows_tracebacks():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"


def big_upload(trusts: int = 1_300) -> bytes:
    """A fictional acute data file with ``trusts`` trusts in four quarters (48 MB, 5,200 trust-quarters)."""
    return synthetic.to_csv_bytes(synthetic.acute_data(trusts))


def test_more_trusts_than_a_chart_can_hold():
    at = open_app()
    upload(at, ("big.csv", big_upload()))
    assert at.session_state["dataset"] == "upload", texts(at, ("error",))
    at.sidebar.selectbox(key="trust_type").set_value(nof.catalogue.ACUTE).run()
    at.sidebar.selectbox(key="trust").set_value("ZA0700").run()
    for page in visit_every_page(at, UPLOAD):
        if page == CONFIDENCE:
            captions = texts(at, ("caption",))
            assert sum(bool(re.search(r"The chart shows 1[34]\d of the 1,300 trusts", c)) for c in captions) == 2
            assert len(at.dataframe[0].value) == 1_300  # the chart's table tab keeps them all


@pytest.mark.parametrize("rows,trusts,keep", [(5_200, 1_300, "T0650"), (40, 10, None), (6_000, 1, "T0000")])
def test_chart_rows_stay_readable_and_under_altairs_limit(rows, trusts, keep):
    per = rows // trusts
    frame = pd.DataFrame({"trust_code": [f"T{i:04d}" for i in range(trusts) for _ in range(per)],
                          "rank": [i + 1 for i in range(trusts) for _ in range(per)]})
    shown, note = ui.show.chart_rows(frame, keep)
    assert shown["trust_code"].nunique() <= ui.show.MAX_CHART_TRUSTS + 1 and len(shown) <= ui.show.MAX_CHART_ROWS
    assert (keep is None or keep in set(shown["trust_code"])) and (note == "") == (len(shown) == len(frame))


def test_element_keys_differ_whenever_names_do():
    long = "Q4 2025/26 " + "scenario " * 20
    names = [f"{long}a", f"{long}b", "top-ten", "top ten", "Top ten"]
    assert len({ui.show.element_key("csv", n) for n in names}) == len(names)


def test_long_labels_give_no_duplicate_keys(example):
    """A 300-character quarter label and a 100-character trust code, used to make two download keys equal."""
    long = example.assign(quarter="Scenario " + "very long label " * 18,
                          trust_code=example["trust_code"] + "-" + "X" * 100)
    at = open_app()
    upload(at, ("long.csv", template_bytes(long)))
    at.sidebar.selectbox(key="trust").set_value(normalise_text(long["trust_code"].iloc[0]).upper()).run()
    assert sorted(visit_every_page(at, UPLOAD)) == sorted(PAGES)


# ---------------------------------------------------------------------------------------------------------------
# 5. Exhaustion: each page computes what it shows; what a session makes stays in that session.


def test_pages_work_out_likely_ranges_only_for_the_quarters_they_show(monkeypatch):
    asked = []
    real = nof.likely_ranges
    monkeypatch.setattr(nof, "likely_ranges", lambda a, quarters=None, **kw: asked.append(tuple(quarters or ()))
                        or real(a, quarters, **kw))
    at = open_app(query_params=MHC_LINK)
    # The overview compares Q4 with Q3 (Q3's ranges) and lists Q4's hidden problems (Q4's ranges).
    assert sorted(asked) == [("Q3 2025/26",), ("Q4 2025/26",)]
    go(at, "pages/1_AMR_league_table.py")
    assert len(asked) == 2  # Q4 is cached
    go(at, CONFIDENCE)  # the volatility grid shows Q1 and Q2 too
    assert sorted(asked[2:]) == [("Q1 2025/26",), ("Q2 2025/26",)]
    assert len(asked) == len(set(asked))  # no quarter twice


def test_an_upload_is_cached_in_its_session_and_goes_with_it(monkeypatch, example):
    """An upload's results live in the session's own cache, which Streamlit empties when the session disconnects;
    the default data's stay in the shared cache. (AppTest gives every session the same id, so the disconnect is
    done here by hand, as Streamlit's session manager does it.)"""
    calls = []
    real = nof.assess
    monkeypatch.setattr(nof, "assess", lambda dataset, *a, **kw: calls.append(len(dataset.metrics))
                        or real(dataset, *a, **kw))
    at = open_app()
    upload(at, ("example.csv", template_bytes(example)))
    default_rows, upload_rows = calls
    go(at, PROFILE)
    assert calls == [default_rows, upload_rows]  # cached
    clear_session_data_cache(SESSION_ID)
    go(at, UPLOAD)
    assert calls == [default_rows, upload_rows, upload_rows]  # the upload again; the default data still cached


def _bytes_in(value) -> int:
    """How many bytes of bytes-like data ``value`` holds, looking into containers and uploaded-file objects."""
    if isinstance(value, bytes | bytearray | memoryview):
        return len(value)
    if isinstance(value, dict):
        return sum(_bytes_in(v) for v in value.values())
    if isinstance(value, list | tuple | set):
        return sum(_bytes_in(v) for v in value)
    return len(value.getvalue()) if hasattr(value, "getvalue") else 0


def test_a_session_keeps_a_key_to_its_upload_not_the_files(example):
    """Streamlit keeps a closed session's state for good once its reconnect time is up (streamlit#12506), so the
    state must not hold the files: they live in the server's bounded upload store."""
    at = open_app()
    upload(at, ("example.csv", template_bytes(example)))
    go(at, PROFILE)
    held = {key: _bytes_in(value) for key, value in at.session_state.to_dict().items()}
    assert sum(held.values()) == 0, held
    assert at.session_state["upload"]["key"].startswith("upload:")


def test_the_upload_store_lets_go_of_old_and_unused_uploads(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(ui.data.time, "monotonic", lambda: clock[0])
    store = ui.data._Uploads()
    for i in range(ui.data.MAX_UPLOADS + 1):
        store.put(f"k{i}", ((f"f{i}.csv", b"x"),), session=f"s{i}")
    assert store.get("k0", "s0") is None and store.get("k1", "s1") is not None  # the least recently used went first
    assert store.keep_only({"s1", "s2", "s3"}) == ["k4", "k5", "k6"]  # their sessions have gone
    clock[0] += ui.data.SESSION_TTL.total_seconds() - 1
    assert store.get("k1", "s9") is not None  # used (by another session too): its time starts again
    clock[0] += 2
    assert store.get("k1", "s1") is not None and store.get("k2", "s2") is None  # k2 unused for too long


def test_an_upload_the_server_let_go_of_is_asked_for_again(monkeypatch, example):
    at = open_app()
    upload(at, ("example.csv", template_bytes(example)))
    monkeypatch.setattr(ui.data, "upload_files", lambda key: None)
    go(at, OVERVIEW)
    assert any("Your upload (example.csv) was not used for 30 minutes" in i for i in texts(at, ("info",)))
    assert "upload" not in at.session_state and at.metric[0].value == "61"


class _Store:
    def __init__(self, **by_session):
        self.calls = []
        for name, value in by_session.items():
            setattr(self, name, value)

    def __getattr__(self, method):
        return lambda *args: self.calls.append((method, *args))


class _Info:
    def __init__(self, session_id):
        self.session = type("Session", (), {"id": session_id})()


def test_the_janitor_frees_what_dropped_sessions_left(monkeypatch):
    """Streamlit 1.67 drops a closed session past its reconnect time without shutting it down (streamlit#12506),
    so its uploaded files, download files and data sources stay; the janitor frees those of ids it no longer knows,
    and only those."""
    from ui import janitor

    runtime = type("Runtime", (), {})()
    runtime._session_mgr = type("Manager", (), {"list_sessions": lambda self: [_Info("open"), _Info("stored")]})()
    runtime.media_file_mgr = _Store(_files_by_session_and_coord={"open": {}, "gone": {}})
    runtime.uploaded_file_mgr = _Store(file_storage={"stored": {}, "gone": {}, "gone too": {}})
    runtime.dataframe_source_mgr = _Store(_sources_by_session_and_coord={})
    monkeypatch.setattr(janitor, "_runtime", lambda: runtime)
    monkeypatch.setattr(janitor, "_last", [float("-inf")])
    assert janitor.sweep(now=1000.0) == {"gone", "gone too"}
    assert sorted(c for c in runtime.uploaded_file_mgr.calls) == [("remove_session_files", "gone"),
                                                                   ("remove_session_files", "gone too")]
    assert ("remove_orphaned_files",) in runtime.media_file_mgr.calls
    assert ("clear_all_for_session", "gone") in runtime.dataframe_source_mgr.calls
    assert janitor.sweep(now=1000.0 + janitor.SWEEP_EVERY / 2) == set()  # at most once a minute
    monkeypatch.setattr(janitor, "_runtime", lambda: object())  # internals not as expected: nothing, no error
    assert janitor.sweep(now=5000.0) == set()


def test_upload_limits_are_stated_and_enforced():
    at = open_app()
    go(at, UPLOAD)
    assert "Up to 10 files at once" in at.file_uploader[0].help
    many = [(f"f{i}.csv", b"a,b\n1,2\n") for i in range(controls.MAX_FILES + 1)]
    upload(at, *many)
    problems = table_with(at, "problem", "fix")
    assert "11 files were uploaded at once; the limit is 10" in " ".join(problems["problem"]), problems
