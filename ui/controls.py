"""Controls of the upload and what-if pages: uploading safely, choosing a method, editing a trust's metrics."""

from __future__ import annotations

import functools
import hashlib
import re

import pandas as pd
import streamlit as st

import oversight as nof

from . import content, data, state
from .text import md

# ---------------------------------------------------------------------------------------------------------------
# Upload: the last good upload stays until a new one reads cleanly.


MAX_FILES = 10  # files in one upload
MAX_TOTAL_MB = 100  # all the files of one upload together (each is also at most nof.io.MAX_FILE_MB)
LIMITS = (f"Up to {MAX_FILES} files at once, {nof.io.MAX_FILE_MB} MB each and {MAX_TOTAL_MB} MB in all. CSV text "
          "(UTF-8 is best).")


def _too_much(payload) -> list[nof.Problem]:
    """Problems with an upload as a whole: too many files, or too many megabytes together."""
    total = sum(len(b) for _, b in payload) / 1024 / 1024
    names = ", ".join(n for n, _ in payload)
    if len(payload) > MAX_FILES:
        return [nof.Problem(names, f"{len(payload)} files were uploaded at once; the limit is {MAX_FILES}.",
                            "Upload fewer files, such as one quarter or one trust type at a time.")]
    if total > MAX_TOTAL_MB:
        return [nof.Problem(names, f"the files come to {total:,.0f} MB together; the limit is {MAX_TOTAL_MB} MB.",
                            "Upload fewer or smaller files, such as one quarter or one trust type at a time.")]
    return []


def uploader_key() -> str:
    """The file uploader's key: a new one after each upload, so the widget lets go of the files it read."""
    return f"uploader-{st.session_state.get('uploads_read', 0)}"


def _release_uploader() -> None:
    """Drop the uploader's own copy of the files (its widget state and Streamlit's file store): the session keeps
    only a key to them (see :mod:`ui.data`). Streamlit frees that store when a session shuts down, which a closed
    session whose reconnect time is up never does (streamlit/streamlit#12506)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    st.session_state.pop(uploader_key(), None)
    st.session_state["uploads_read"] = st.session_state.get("uploads_read", 0) + 1
    ctx = get_script_run_ctx()
    if ctx is not None and ctx.uploaded_file_mgr is not None:
        ctx.uploaded_file_mgr.remove_session_files(ctx.session_id)


def on_upload() -> None:
    """Callback of the file uploader: read the files; keep them only if they read cleanly."""
    files = st.session_state.get(uploader_key()) or []
    if not files:
        return
    payload = tuple((f.name, f.getvalue()) for f in files)
    _release_uploader()
    try:
        if problems := _too_much(payload):
            raise nof.InputError(problems)
        dataset = data.read_upload(data.files_key(payload), payload)
    except nof.InputError as err:
        refused = list(dict.fromkeys(p.file for p in err.errors)) or [n for n, _ in payload]
        st.session_state["upload_report"] = {"ok": False, "names": refused, "problems": err.problems, "files": ()}
        return
    st.session_state["upload"] = {"key": data.keep_upload(payload), "names": [n for n, _ in payload]}
    st.session_state["dataset"] = state.UPLOAD
    st.session_state["upload_report"] = {"ok": True, "names": [n for n, _ in payload],
                                         "problems": list(dataset.warnings), "files": dataset.files}


def forget_upload() -> None:
    for key in ("upload", "upload_report"):
        st.session_state.pop(key, None)
    st.session_state["dataset"] = data.DEFAULT_KEY


# ---------------------------------------------------------------------------------------------------------------
# Method: every choice lives in session state and the URL.

DOMAIN_CODES = dict(zip(nof.catalogue.DOMAINS, ["access", "effectiveness", "safety", "people", "finance"]))
BANDINGS = {"file": "Cut points from the file", "quartiles": "Pooled quartiles of loaded trusts",
            "fixed": "Fixed thresholds"}


WEIGHT_MAX = 10.0  # the largest weight the domain weight inputs take


def _list_to_url(values) -> str:
    return ",".join(values)


def _list_from_url(text: str) -> list[str]:
    return [v for v in text.split(",") if v]


def _metrics_from_url(text: str) -> list[str]:
    ids = _list_from_url(text)
    wrong = [m for m in ids if not re.fullmatch(r"OF\d{4}", m)]
    if wrong:
        raise ValueError(f"{wrong[0][:20]} is not a NOF metric ID (such as OF1057)")
    return ids


def _domains_from_url(text: str) -> list[str]:
    codes = _list_from_url(text)
    wrong = [c for c in codes if c not in DOMAIN_CODES.values()]
    if wrong:
        raise ValueError(f"{wrong[0][:20]} is not a domain ({', '.join(DOMAIN_CODES.values())})")
    return [d for d, c in DOMAIN_CODES.items() if c in codes]


def _weights_from_url(text: str) -> tuple[tuple[str, float], ...]:
    """``access:2,safety:0.5`` -> ((domain, weight), ...) for every domain, in the catalogue's order."""
    given = {}
    for part in _list_from_url(text):
        code, sep, value = part.partition(":")
        if not sep or code not in DOMAIN_CODES.values():
            raise ValueError(f"'{part[:20]}' is not domain:weight, such as access:2")
        given[code] = state.number(value, 0, WEIGHT_MAX)
    return tuple((d, given[c]) for d, c in DOMAIN_CODES.items() if c in given)


def parse_cuts(text: str) -> tuple[float, float, float]:
    """Three ascending cut points from 1 to 4, such as ``2.05,2.32,2.62``; ``ValueError`` says what is wrong."""
    parts = str(text).split(",")
    if len(parts) != 3:
        raise ValueError("it should be three numbers separated by commas")
    values = tuple(state.number(x.strip(), 1, 4) for x in parts)
    if not values[0] < values[1] < values[2]:
        raise ValueError("the three numbers should ascend")
    return values


def _cuts_from_url(text: str) -> str:
    parse_cuts(text)
    return text


METHOD_PARAMS = (
    state.Param("banding", "banding"),
    state.Param("cuts", "cuts", str, _cuts_from_url),
    state.Param("override", "override", *state.flag("on", "off")),
    state.Param("rescore", "rescore", *state.flag()),
    state.Param("drop_metrics", "drop", _list_to_url, _metrics_from_url),
    state.Param("drop_domains", "dropdom", lambda v: ",".join(DOMAIN_CODES.get(d, d) for d in v), _domains_from_url),
    state.Param("weights", "weights", lambda w: ",".join(f"{DOMAIN_CODES[d]}:{x:g}" for d, x in w),
                _weights_from_url),
)


def _cuts(text: str, fallback) -> tuple:
    """Three ascending cut points from text, or ``fallback``."""
    try:
        return parse_cuts(text)
    except ValueError:
        return tuple(fallback)


def method_controls(result: nof.Assessment, quarter: str, metric_names: dict[str, str]) -> nof.Method:
    """Draw the method choices; return the :class:`oversight.Method` they describe."""
    state.choose("banding", list(BANDINGS), "file")
    state.choose("override", [True, False], True)
    state.choose("rescore", [True, False], False)
    if not st.session_state.get("cuts"):
        st.session_state["cuts"] = ",".join(f"{c:.3f}" for c in result.cuts[quarter])
    st.session_state["drop_metrics"] = [m for m in st.session_state.get("drop_metrics", []) if m in metric_names]
    st.session_state.setdefault("drop_domains", [])
    left, right = st.columns(2)
    with left:
        banding = st.radio("Banding rule", list(BANDINGS), key="banding", format_func=BANDINGS.get,
                           help="How an average score becomes a segment.")
        cuts = _cuts(st.session_state["cuts"], result.cuts[quarter])
        if banding == "fixed":
            st.text_input("Cut points between segments 1|2, 2|3, 3|4", key="cuts",
                          help="Three ascending numbers, such as 2.05,2.32,2.62 (2026/27 uses fixed thresholds).")
            try:
                parse_cuts(st.session_state["cuts"])
            except ValueError as err:
                st.error(md("The cut points were not used: {}. Write three ascending numbers from 1 to 4 separated "
                            "by commas, such as 2.05,2.32,2.62. Until then the file's cut points are used: {}.",
                            err, ", ".join(f"{c:.3f}" for c in cuts)))
        st.toggle("Financial override (deficit trusts at least segment 3)", key="override")
        open_rules = ", ".join(m.short for m in nof.catalogue.FRAMEWORK.metrics if m.open)
        st.toggle("Rescore from raw values among the loaded trusts", key="rescore",
                  help=md("NHS England ranks some metrics against other trust types too; rescoring within the "
                          "loaded trusts shows how much that matters. It is an approximation for metrics whose rule "
                          "is not fully known ({}): the Method and sources page lists each rule.", open_rules))
    with right:
        st.multiselect("Leave out metrics", list(metric_names), key="drop_metrics", format_func=metric_names.get)
        st.multiselect("Leave out domains", list(nof.catalogue.DOMAINS), key="drop_domains")
        weights = _weights()
    rule = {"file": None, "quartiles": nof.PooledQuartiles(), "fixed": nof.FixedCuts(cuts)}[banding]
    return nof.Method(banding=rule, override=st.session_state["override"], rescore=st.session_state["rescore"],
                      exclude_metrics=tuple(st.session_state["drop_metrics"]),
                      exclude_domains=tuple(st.session_state["drop_domains"]), domain_weights=weights)


def _weights() -> tuple[tuple[str, float], ...]:
    current = dict(st.session_state.get("weights") or ())
    with st.expander("Weight the domains (NHS England does not)", expanded=bool(current)):
        chosen = {}
        for domain in nof.catalogue.DOMAINS:
            chosen[domain] = st.number_input(domain, 0.0, WEIGHT_MAX, float(current.get(domain, 1.0)), 0.5,
                                             key=f"weight-{DOMAIN_CODES[domain]}")
    weights = tuple((d, w) for d, w in chosen.items()) if any(w != 1.0 for w in chosen.values()) else ()
    st.session_state["weights"] = weights
    return weights


# ---------------------------------------------------------------------------------------------------------------
# Edits to one trust's metrics


MAX_LINKED_EDITS = 60  # edits a link may carry (a trust has at most about 40 metrics)


def _edits_to_url(edits) -> str:
    return ",".join(f"{m}={kind}{x:g}" for m, kind, x in edits)


def _edits_from_url(text: str) -> tuple[tuple[str, str, float], ...]:
    """``OF1082=v6.1,OF1057=s2`` (metric, ``v`` raw value or ``s`` score, number) to edits."""
    out = []
    for part in _list_from_url(text)[:MAX_LINKED_EDITS + 1]:
        found = re.fullmatch(r"(OF1\d{3})=([vs])(.+)", part)
        if not found:
            raise ValueError(f"{part[:20]} is not an edit such as OF1082=v6.1 (raw value) or OF1082=s2.5 (score)")
        metric, kind, number = found.groups()
        out.append((metric, kind, state.number(number, *((1, 4) if kind == "s" else (-1e12, 1e12)))))
    if len(out) > MAX_LINKED_EDITS:
        raise ValueError(f"it holds more than {MAX_LINKED_EDITS} edits")
    return tuple(out)


WHATIF_PARAMS = (
    state.Param("whatif_trust", "wtrust"),
    state.Param("whatif_edits", "edits", _edits_to_url, _edits_from_url),
)


def forget_edits() -> None:
    """A new trust chosen for editing starts from its published figures."""
    st.session_state["whatif_edits"] = ()


def edits_editor(result: nof.Assessment, quarter: str, trust_code: str) -> pd.DataFrame:
    """A table of one trust's metrics whose values and scores can be edited, starting from the edits in the link
    (``whatif_edits``); returns the edits (may be empty) and keeps them in the link."""
    shown = content.editable_metrics(result, quarter, trust_code)
    start = shown
    linked = st.session_state.get("whatif_edits") or ()
    unknown = sorted({m for m, _, _ in linked} - set(shown["metric_id"]))
    if unknown:
        state.note("edits", ", ".join(unknown), "this trust has no score for it in this quarter")
    if linked:
        start = shown.copy()
        for metric, kind, number in linked:
            start.loc[start["metric_id"] == metric, "value" if kind == "v" else "score"] = number
    editor = f"edit-{quarter}-{trust_code}"
    edited = st.data_editor(start, key=editor, hide_index=True, disabled=["metric_id", "metric_name", "units"],
                            column_config={
        "metric_id": "Metric", "metric_name": "Name", "units": "Units",
        "value": st.column_config.NumberColumn("Raw value", help="Change it and the score follows, placed among "
                                               "the peers' values."),
        "score": st.column_config.NumberColumn("Score", min_value=1.0, max_value=4.0, step=0.01, format="%.2f")})
    if not linked and not (st.session_state.get(editor) or {}).get("edited_rows"):  # nothing edited (the usual)
        st.session_state["whatif_edits"] = ()
        return _no_edits(quarter, trust_code)
    value_changed = ~((edited["value"] == shown["value"]) | (edited["value"].isna() & shown["value"].isna()))
    score_changed = (edited["score"] - shown["score"]).abs() > 1e-9
    changed = edited[value_changed | score_changed]
    st.session_state["whatif_edits"] = tuple(  # a raw value emptied stays out of the link
        (r.metric_id, "v", float(r.value)) if value_changed[i] else (r.metric_id, "s", float(r.score))
        for i, r in changed.iterrows() if not (value_changed[i] and pd.isna(r.value)))
    return _edits(quarter, trust_code, changed, value_changed, score_changed)


def _edits(quarter: str, trust_code: str, changed: pd.DataFrame, value_changed: pd.Series,
           score_changed: pd.Series) -> pd.DataFrame:
    """The edits as :func:`oversight.assess` takes them: a new raw value, or else a new score, per changed row."""
    return pd.DataFrame({
        "quarter": quarter, "trust_code": trust_code, "metric_id": changed["metric_id"],
        "value": changed["value"].where(value_changed[changed.index]),
        "score": changed["score"].where(score_changed[changed.index] & ~value_changed[changed.index]),
    }).reset_index(drop=True)


@functools.lru_cache(maxsize=64)
def _none(quarter: str, trust_code: str) -> pd.DataFrame:
    nothing = pd.DataFrame({"metric_id": pd.Series([], dtype="str"), "value": pd.Series([], dtype="float64"),
                            "score": pd.Series([], dtype="float64")})
    flags = pd.Series([], dtype=bool)
    return _edits(quarter, trust_code, nothing, flags, flags)


def _no_edits(quarter: str, trust_code: str) -> pd.DataFrame:
    """No edits to ``trust_code`` (a new frame each time, of the same columns and types as any edits)."""
    return _none(quarter, trust_code).copy()


def edits_key(base_key: str, edits: pd.DataFrame) -> str:
    if edits.empty:
        return base_key
    return base_key + "|edits:" + hashlib.sha256(edits.to_csv(index=False).encode()).hexdigest()[:12]
