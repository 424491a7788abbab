"""Drawing helpers shared by the pages: a chart with its table alternative and downloads, a table with its download,
and the line under each number saying its method and source."""

from __future__ import annotations

import functools
import hashlib
import math
import re

import pandas as pd
import streamlit as st

import oversight as nof

from . import charts, data
from .text import md, plain

__all__ = ["chart", "element_key", "league_columns", "md", "movers_columns", "plain", "require_rows", "source",
           "table"]

MAX_CHART_TRUSTS = 150  # a chart with a row per trust stays readable up to about this many (acute trusts: 134)
MAX_CHART_ROWS = 4_000  # rows of data in one chart, under Altair's limit of 5,000 for data inside the chart


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "table"


def element_key(kind: str, name: str) -> str:
    """The key of an element named ``name``: a readable start and a hash of the whole name, so that two different
    names never share a key (cutting names to a length, as keys once did, made two long ones equal)."""
    return f"{kind}-{_slug(name)[:40]}-{hashlib.sha256(name.encode()).hexdigest()[:16]}"


# Column headings, in words, for the code names that the engine's tables carry: a chart's table alternative is headed
# by these wherever the page gives no heading of its own (WCAG 1.3.1 and 2.4.6: a heading says what the column holds).
HEADINGS = {
    "rank": "Rank", "imr_rank": "Rank", "trust_name": "Trust", "trust_code": "Code", "quarter": "Quarter",
    "rank_lo": "Likely rank from", "rank_hi": "Likely rank to", "score_lo": "Likely score from",
    "score_hi": "Likely score to", "final_segment": "Segment", "segment": "Segment",
    "unadjusted_segment": "Segment by score", "segment_hi": "Worst likely segment by score",
    "average_score_2dp": "Average score", "p_worse_segment": "Chance of a worse segment", "change": "Change",
    "trusts": "Trusts", "value": "Value", "units": "Units", "reporting_date": "Reporting period", "score": "Score",
    "rag": "RAG", "peer_median": "Peer median", "peer_min": "Peer minimum", "peer_lq": "Lower quartile",
    "peer_uq": "Upper quartile", "peer_max": "Peer maximum", "metric_id": "Metric code", "metric_name": "Metric",
    "domain": "Domain", "domain_score_2dp": "Domain score", "n_metrics": "Metrics",
    "domain_segment": "Domain segment", "domain_segment_source": "Domain segment from",
}


def heading(column: str) -> str:
    """The words that head ``column``: :data:`HEADINGS`, or the code name as words ("score_lo" -> "Score lo")."""
    if column in HEADINGS:
        return HEADINGS[column]
    words = re.sub(r"_?2dp$", "", str(column)).replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _headed(frame: pd.DataFrame, column_config: dict | None, known_only: bool = False) -> dict:
    """``column_config`` with a heading in words for every column of ``frame`` that it does not name (only those in
    :data:`HEADINGS` when ``known_only``)."""
    words = {c: heading(c) for c in frame.columns if not known_only or c in HEADINGS}
    return {**words, **(column_config or {})}


MARK = "▶ "  # before the highlighted trust's name in a table, as in the charts (never colour alone)
WRAP_ROW_HEIGHT = 68  # px: two lines of text; Streamlit's tables wrap text only in rows taller than 4rem


def table(frame: pd.DataFrame, name: str, *, column_config=None, height="auto", highlight: str | None = None,
          wrap: bool = False) -> None:
    """A table and a button to download it as CSV, named after the table (a page with several tables has no two
    buttons of the same name). Formulas are neutralised in the table itself too, so the table's own download (its
    toolbar) is as safe as the button. The trust named ``highlight`` is marked with :data:`MARK` on screen (the
    download keeps its name as published); ``wrap`` gives rows of two lines, so long names and sentences wrap at a
    word instead of being cut."""
    if wrap and height == "auto":  # Streamlit's automatic height stops at about five rows this tall
        height = min(40 + WRAP_ROW_HEIGHT * len(frame), 720)
    st.dataframe(_shown(frame, highlight), hide_index=True, column_config=_headed(frame, column_config, True),
                 height=height, row_height=WRAP_ROW_HEIGHT if wrap else None, key=element_key("table", name),
                 placeholder="–")
    st.download_button(md("Download {} (CSV)", name), functools.partial(data.csv_bytes, frame),  # made on click
                       file_name=f"{_slug(name)}.csv", mime="text/csv", icon=":material/download:",
                       key=element_key("csv", name), on_click="ignore")


MAX_KEPT_ROWS = 1_000  # rows of a table kept ready to send (:func:`_shown`); bigger ones are made each time


def _prepare(frame: pd.DataFrame, highlight: str | None):
    """``frame`` as the table on screen sends it: the trust ``highlight`` marked with :data:`MARK`, formulas
    neutralised, in Arrow (Streamlit's own conversion)."""
    from streamlit import dataframe_util

    if highlight and "trust_name" in frame and (frame["trust_name"] == highlight).any():
        frame = frame.assign(trust_name=frame["trust_name"].where(frame["trust_name"] != highlight, MARK + highlight))
    return dataframe_util.convert_pandas_df_to_arrow_table(nof.neutralise_formulas(frame))


_kept = st.cache_resource(_prepare, show_spinner=False, max_entries=64, ttl=data.SESSION_TTL,
                          hash_funcs={pd.DataFrame: data.frame_digest})


def _shown(frame: pd.DataFrame, highlight: str | None = None):
    """:func:`_prepare`, kept by the table's content (a digest of it) so that a rerun showing the same table
    sends it without marking, neutralising and converting it again (about 1 to 4 ms a table). Big tables are made
    afresh each time, so that what is kept stays small."""
    return _kept(frame, highlight) if len(frame) <= MAX_KEPT_ROWS else _prepare(frame, highlight)


def _vega_spec(builder: str, *args) -> dict:
    """The Vega-Lite spec of a chart from :mod:`ui.charts` in the house text style, its data inline."""
    return charts.finish(getattr(charts, builder)(*args)).to_dict()


@st.cache_resource(show_spinner=False, max_entries=64, ttl=data.SESSION_TTL,
                   hash_funcs={pd.DataFrame: data.frame_digest})
def _shown_spec(builder: str, *args) -> dict:
    """:func:`_vega_spec` as Streamlit sends it to the browser, its data already in Arrow, cached by its inputs:
    building and validating an Altair chart costs tens of milliseconds, and Streamlit converted each chart's data to
    Arrow on every rerun (about 3.5 ms a chart). Kept in Arrow only (compact: a few hundred kB for the biggest chart),
    so that 64 of them stay small; the SVG and PNG downloads build the spec again when clicked. Shared, never changed:
    Streamlit copies a spec before it takes the data out."""
    from streamlit import dataframe_util

    spec = _vega_spec(builder, *args)
    if "datasets" in spec:
        spec["datasets"] = {name: dataframe_util.convert_anything_to_arrow_bytes(values)
                            for name, values in spec["datasets"].items()}
    return spec


def chart_rows(frame: pd.DataFrame, keep: str | None = None) -> tuple[pd.DataFrame, str]:
    """``frame`` cut to what one chart can show (at most :data:`MAX_CHART_TRUSTS` trusts and :data:`MAX_CHART_ROWS`
    rows): every k-th trust by rank, and the trust ``keep``. Returns the rows and a sentence saying what was left
    out ("" when nothing was)."""
    codes = pd.unique(frame["trust_code"]) if "trust_code" in frame else []
    allowed = max(1, min(MAX_CHART_TRUSTS, MAX_CHART_ROWS // math.ceil(len(frame) / max(len(codes), 1))))
    if len(codes) > allowed:
        order = next((c for c in ("rank", "imr_rank", "sort_rank") if c in frame), None)
        by_rank = pd.unique(frame.sort_values(order, kind="stable")["trust_code"]) if order else codes
        step = math.ceil(len(codes) / allowed)
        chosen = set(by_rank[::step]) | ({keep} if keep in set(codes) else set())
        also = " and the highlighted trust" if keep in chosen else ""
        frame = frame[frame["trust_code"].isin(chosen)]
        note = (f"The chart shows {len(chosen):,} of the {len(codes):,} trusts (every {step}th "
                f"{'by rank' if order else 'in the table'}{also}), as more cannot be read in one chart; the table has "
                "them all.")
    else:
        note = ""
    if len(frame) > MAX_CHART_ROWS:
        step = math.ceil(len(frame) / MAX_CHART_ROWS)
        frame = frame.iloc[::step]
        note = (note + " " if note else "") + f"It shows every {step}th row; the table has them all."
    return frame, note


def _chart_file(fmt: str, builder: str, *args) -> bytes:
    """The chart as an SVG or PNG file, for a download made when clicked."""
    import vl_convert

    spec = _vega_spec(builder, *args)
    return vl_convert.vegalite_to_svg(spec).encode("utf-8") if fmt == "svg" else vl_convert.vegalite_to_png(spec,
                                                                                                           scale=2)


def chart(builder, args: tuple, frame: pd.DataFrame, name: str, alt_text: str, *, column_config=None,
          keep: str | None = None) -> None:
    """``builder(*args)`` from :mod:`ui.charts` in the house text style (:func:`ui.charts.finish`) with alt text, its
    data as a table in a second tab headed in words (:func:`heading`), and CSV / SVG / PNG downloads named after the
    chart (made only when clicked). The chart's data (``args[0]``) is cut by :func:`chart_rows` (keeping
    trust ``keep``) when it is too big to read; the table keeps every row."""
    shown, left_out = chart_rows(args[0], keep) if isinstance(args[0], pd.DataFrame) else (args[0], "")
    inputs = (builder.__name__, shown, *args[1:])
    tab_chart, tab_table = st.tabs([md("Chart: {}", name), "Same data as a table"])
    with tab_chart:
        st.vega_lite_chart(spec=_shown_spec(*inputs), width="stretch", alt=alt_text)
        st.caption(plain(alt_text + (" " + left_out if left_out else "")))
    with tab_table:
        st.dataframe(_shown(frame), hide_index=True, column_config=_headed(frame, column_config),
                     placeholder="–", key=element_key("chart-table", name))
    slug = _slug(name)
    row = st.container(horizontal=True)
    row.download_button(md("Download {}: data (CSV)", name), functools.partial(data.csv_bytes, frame),
                        file_name=f"{slug}.csv", mime="text/csv", icon=":material/download:",
                        key=element_key("csv", name), on_click="ignore")
    for fmt, mime in (("svg", "image/svg+xml"), ("png", "image/png")):
        row.download_button(md("Download {}: chart ({})", name, fmt.upper()),
                            functools.partial(_chart_file, fmt, *inputs), file_name=f"{slug}.{fmt}", mime=mime,
                            icon=":material/image:", key=element_key(fmt, name), on_click="ignore")


def source(view, method: str, extra: str = "") -> None:
    """The line under a number or table: which method made it and where the data came from."""
    origin = data.SOURCE if view.key == data.DEFAULT_KEY else (
        f"Source: {view.label.removeprefix('Your upload: ')}, uploaded in this session (not NHS England's "
        "published figures).")
    st.caption(plain(f"Method: {method}. {origin}{' ' + extra if extra else ''}"))


def league_columns() -> dict:
    """Column labels and formats for league tables, shared by every page that shows one."""
    cc = st.column_config
    return {
        "rank": cc.NumberColumn("Rank", width="small",
                                help="Within trust type: segment first, then average score to 2 dp; ties share the "
                                     "best rank."),
        "trust_name": cc.TextColumn("Trust", width=330),
        "trust_code": cc.TextColumn("Code"),
        "final_segment": cc.NumberColumn("Segment", width="small",
                                         help="After the financial override; 5 = Recovery Support Programme."),
        "segment": cc.NumberColumn("Segment", help="After the financial override."),
        "unadjusted_segment": cc.NumberColumn("Segment by score", help="Before the financial override."),
        "average_score_2dp": cc.NumberColumn("Average score", format="%.2f", width=110,
                                             help="Mean of the trust's metric scores, 1 best to 4 worst."),
        "deficit": cc.CheckboxColumn("In deficit", width="small", help="Flagged by NHS England: segment at least 3."),
        "score_range": cc.TextColumn("Score range", help="Likely range of the average score (percentile bootstrap)."),
        "rank_range": cc.TextColumn("Rank range", help="Likely range of the rank (percentile bootstrap)."),
        "n_metrics": cc.NumberColumn("Metrics"),
        "region": cc.TextColumn("Region"),
        "trust_subtype": cc.TextColumn("Subtype"),
    }


def movers_columns(before: str, after: str) -> dict:
    """Column labels for a movers table from :func:`oversight.compare_tables`."""
    cc = st.column_config
    return {
        "trust_code": "Code", "trust_name": "Trust",
        "final_segment_before": f"{before} segment", "final_segment_after": f"{after} segment",
        "rank_before": cc.NumberColumn(f"{before} rank", help="Among the trusts in both tables."),
        "rank_after": cc.NumberColumn(f"{after} rank", help="Among the trusts in both tables."),
        "average_score_2dp_before": cc.NumberColumn(f"{before} score", format="%.2f"),
        "average_score_2dp_after": cc.NumberColumn(f"{after} score", format="%.2f"),
        "segment_change": cc.NumberColumn("Segments up"), "rank_change": cc.NumberColumn("Places up"),
        "score_change": cc.NumberColumn("Score better by", format="%+.2f",
                                        help="Fall in average score (scores run 1 best to 4 worst)."),
    }


def require_rows(table: pd.DataFrame, view) -> None:
    """Stop the page with a clear message when no trust of this type is scored in this quarter."""
    if table.empty:
        st.info(md("No {}s are scored in {} in this data. Choose another quarter or trust type in the sidebar.",
                   view.trust_type.lower(), view.quarter))
        st.stop()
