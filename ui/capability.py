"""Streamlit helpers for the board capability page: the six areas' inputs (kept per trust in session state), the
evidence beside each, the upload of a saved assessment, and the downloads.

Ratings and notes live in ``st.session_state`` under plain keys ``capability:<trust>:<area>:rating`` and
``...:note`` (not widget keys, so Streamlit's widget clean-up does not drop them when the user visits another page);
each widget has its own key, filled from the plain key when the page draws it.
"""

from __future__ import annotations

import re
from functools import cache, partial

import pandas as pd
import streamlit as st

import oversight as nof

from . import data
from .text import md, md_list, plain

cap = nof.capability
#: The two starting files the page offers: label, how it is made, file name stem.
DOWNLOADS = (("Blank template", cap.blank_assessment, "template"),
             ("Filled example", cap.example_assessment, "example"))
UPLOADER = "capability_upload"
# Our own words about the scale and the areas, escaped once (the pages escape text each time they draw it, and these
# are long enough not to be remembered by ui.text)
SCALE_HELP = plain(" ".join(f"{r.level} {r.label}: {r.meaning}" for r in cap.SCALE))
MAPPINGS = {a.key: md("*Mapping:* {}", a.note) for a in cap.AREAS}
EXPLAINED = (plain(cap.SCALE_SOURCE), md_list("**{}:** {}", [(a.name, a.note) for a in cap.AREAS]),
             md("The six areas: {}.", cap.GUIDANCE))
REPORT = "capability_report"


def _key(trust: str, area_key: str, part: str) -> str:
    return f"capability:{trust}:{area_key}:{part}"


def _widget(trust: str, area_key: str, part: str) -> str:
    return f"capability-input:{trust}:{area_key}:{part}"


def _board_frame(trust: str, trust_name: str, quarter: str, ratings: tuple, notes: tuple) -> pd.DataFrame:
    """The board's assessment of ``trust`` (:data:`oversight.capability.ASSESSMENT_COLUMNS`) from its ratings and
    notes, one per area in :data:`oversight.capability.AREAS` order."""
    frame = cap.blank_assessment(trust, trust_name, quarter)
    frame["rating"] = pd.array(list(ratings), dtype="Int64")
    frame["evidence_note"] = list(notes)
    return frame


@st.cache_resource(scope="session", max_entries=8, ttl=data.SESSION_TTL, hash_funcs=data.HASH_FUNCS,
                   show_spinner=False)
def _reviewed(view, result, ratings: tuple, notes: tuple, _nof_evidence):
    """The board's assessment, its comparison with ``_nof_evidence`` (the view's NOF evidence, which the caller holds:
    :attr:`ui.content.Capability.evidence`; left out of the key, which the view and assessment make) by
    :func:`oversight.capability.compare` and the summary table on screen, kept in this session's own cache (they hold
    the board's notes, which are never kept beyond the session) so that a rerun with the same ratings does not build
    them again."""
    me = _nof_evidence.trust
    board = _board_frame(me["trust_code"], me["trust_name"], me["quarter"], ratings, notes)
    review = cap.compare(board, _nof_evidence)
    summary = review.assign(verdict=review["verdict"].map(cap.VERDICTS),
                            level=[("none" if pd.isna(v) else str(v)) for v in review["level"]],
                            rating_label=review["rating_label"].replace("", "not rated"))[
        ["area", "rating_label", "level", "verdict", "evidence_note"]]
    return board, review, nof.neutralise_formulas(summary)


def _store(trust: str, frame: pd.DataFrame) -> None:
    """Put an assessment into session state, widgets included (called from a callback, before widgets draw)."""
    for a, level, note in zip(cap.AREAS, frame["rating"], frame["evidence_note"]):
        level = None if pd.isna(level) else int(level)
        for part, value in (("rating", level), ("note", note)):
            st.session_state[_key(trust, a.key, part)] = value
            st.session_state[_widget(trust, a.key, part)] = value


def _on_upload(trust: str, quarter: str, names: tuple[tuple[str, str], ...]) -> None:
    upload = st.session_state.get(UPLOADER)
    if upload is None or not hasattr(upload, "getvalue"):  # cleared (or a deleted file): keep what is on screen
        return
    try:
        frame, warnings = cap.read_assessment_csv(upload.name, upload.getvalue(), trust, quarter=quarter,
                                                  trust_names=dict(names))
    except nof.InputError as err:
        st.session_state[REPORT] = {"trust": trust, "name": upload.name, "ok": False, "problems": err.problems}
        return
    _store(trust, frame)
    st.session_state[REPORT] = {"trust": trust, "name": upload.name, "ok": True, "problems": warnings}


def load_and_templates(trust: str, trust_name: str, quarter: str, names: tuple[tuple[str, str], ...]) -> None:
    """The uploader for a saved assessment, its report, and the template and example downloads."""
    with st.expander("Carry on from a saved assessment, or start from the template", expanded=False):
        st.file_uploader("Saved assessment (CSV)", type=["csv"], key=UPLOADER, on_change=_on_upload,
                         args=(trust, quarter, names), help="A file downloaded from this page, for this trust.")
        row = st.container(horizontal=True)
        slug = re.sub(r"[^A-Za-z0-9]+", "-", f"{trust}-{quarter}").strip("-")
        for label, build, stem in DOWNLOADS:  # each made when clicked (functools.partial: see ui.data)
            row.download_button(label, partial(_template_bytes, build, trust, trust_name, quarter),
                                f"board-capability-{stem}-{slug}.csv", "text/csv", icon=":material/download:",
                                on_click="ignore")
        st.markdown("The example's ratings and notes are made up to show the form; they are no board's view.")
    report = st.session_state.get(REPORT)
    if report and report["trust"] == trust:
        if report["ok"]:
            st.success(md("Loaded {}: the ratings and notes below come from it.", report["name"]))
        else:
            st.error(md("{} could not be used, so nothing changed. Each problem below says where it is and how to "
                        "fix it.", report["name"]))
        shown = report["problems"][:20]
        rows = [("Warning" if p.severity == "warning" else "Problem",
                 ", ".join(x for x in (f"row {p.row}" if p.row else "", f"column {p.column}" if p.column else "")
                           if x) or "whole file", p.message, p.fix) for p in shown]
        more = len(report["problems"]) - len(shown)
        if rows:
            st.markdown(md_list("**{}, {}:** {} **Fix:** {}", rows) + (md("\n- ... and {} more.", more) if more > 0
                                                                        else ""))


def _inputs(trust: str, a) -> None:
    for part in ("rating", "note"):
        if _widget(trust, a.key, part) not in st.session_state:
            stored = st.session_state.get(_key(trust, a.key, part))
            st.session_state[_widget(trust, a.key, part)] = stored if stored is not None or part == "rating" else ""
    labels = {r.level: f"{r.level} {r.label}" for r in cap.SCALE}
    level = st.radio(md("Board rating: {}", a.name), list(labels), format_func=labels.get, horizontal=True,
                     index=None, key=_widget(trust, a.key, "rating"),
                     help=SCALE_HELP)
    note = st.text_area(md("Evidence note: {}", a.name), max_chars=cap.MAX_NOTE_CHARS, height=110,
                        key=_widget(trust, a.key, "note"),
                        placeholder="What the board relied on: papers, reports, dates.")
    st.session_state[_key(trust, a.key, "rating")] = level
    st.session_state[_key(trust, a.key, "note")] = note or ""


_BOX = {"better": (st.warning, ":material/flag:"), "worse": (st.warning, ":material/flag:"),
        "in line": (st.success, ":material/check_circle:"), "not rated": (st.info, ":material/info:"),
        "no evidence": (st.info, ":material/info:")}


def _evidence(verdict: str, sentence: str, area_key: str, listed: tuple[list[tuple], str, list[str]]) -> None:
    """The verdict, then the area's NOF evidence and its mapping in one block of text."""
    box, icon = _BOX[verdict]
    box(md("**{}.** {}", cap.VERDICTS[verdict], sentence), icon=icon)
    domains, title, metrics = listed
    st.markdown((md_list("**{}**: domain score {}, segment {}; {}", domains) + "\n" if domains else "")
                + (md_list("{}: {}", [(title, "; ".join(metrics))]) + "\n" if metrics else "")
                + "\n" + MAPPINGS[area_key])


def areas(view, result, page) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Each area: the board's rating and note on the left, the NOF evidence and the verdict on the right (``page``:
    :func:`ui.content.capability` of the view).

    Returns the board's assessment, :func:`oversight.capability.compare` of it with the evidence, and the summary
    table (:func:`_reviewed`).
    """
    trust = page.trust
    slots = []
    for a in cap.AREAS:
        st.subheader(plain(a.name))
        left, right = st.columns([2, 3], gap="large")
        with left:
            _inputs(trust, a)
        slots.append(right)
    ratings = tuple(st.session_state.get(_key(trust, a.key, "rating")) for a in cap.AREAS)
    notes = tuple(st.session_state.get(_key(trust, a.key, "note")) or "" for a in cap.AREAS)
    board, review, summary = _reviewed(view, result, ratings, notes, page.evidence)
    for slot, verdict, sentence, area_key in zip(slots, review["verdict"], review["sentence"], review["area_key"]):
        with slot:
            _evidence(verdict, sentence, area_key, page.areas[area_key])
    return board, review, summary


@cache
def _scale():
    """The rating scale as a table, made once (it is ours and never changes)."""
    from streamlit import dataframe_util

    return dataframe_util.convert_pandas_df_to_arrow_table(pd.DataFrame({
        "Rating": [f"{r.level} {r.label}" for r in cap.SCALE], "Meaning": [r.meaning for r in cap.SCALE]}))


def explain() -> None:
    """The scale and the mapping, in an expander (the rule is stated above the six areas)."""
    with st.expander("The rating scale and the mapping to NOF evidence", expanded=False):
        st.dataframe(_scale(), hide_index=True)
        for text in EXPLAINED:
            st.markdown(text)


def summary_and_pack(evidence, board: pd.DataFrame, review: pd.DataFrame, summary: pd.DataFrame,
                     sources: list[str]) -> None:
    """The six areas in one table (``summary``, from :func:`areas`), and the CSV and board-pack downloads."""
    st.dataframe(summary, hide_index=True, column_config={
        "area": "Area", "rating_label": "Board rating", "level": st.column_config.TextColumn(
            "NOF evidence level", help="The evidence on the rating's 1-4 steps (1 best)."),
        "verdict": "Verdict", "evidence_note": "Board evidence note"})
    me = evidence.trust
    slug = re.sub(r"[^A-Za-z0-9]+", "-", f"{me['trust_code']}-{me['quarter']}").strip("-")
    row = st.container(horizontal=True)
    row.download_button("Save this assessment (CSV)", partial(_assessment_bytes, board),
                        f"board-capability-{slug}.csv", "text/csv", icon=":material/download:", on_click="ignore",
                        key="capability-save")
    row.download_button("Board pack (HTML: open, then print or save as PDF)",
                        partial(_pack_bytes, evidence, review, tuple(sources)),
                        f"board-pack-{slug}.html", "text/html", icon=":material/print:", on_click="ignore",
                        key="capability-pack")


def _assessment_bytes(frame: pd.DataFrame) -> bytes:
    """An assessment's CSV, for a download made when clicked."""
    return cap.assessment_csv(frame).encode("utf-8")


def _template_bytes(build, *args) -> bytes:
    return _assessment_bytes(build(*args))


def _pack_bytes(evidence, review: pd.DataFrame, sources: tuple) -> bytes:
    return cap.board_pack_html(evidence, review, sources=sources).encode("utf-8")
