"""A board's self-assessment of provider capability, held against the trust's own NOF evidence.

NHS England's *Assessing provider capability: guidance for NHS trust boards* (August 2025) asks every trust board to
assess itself once a year in six areas derived from *The insightful provider board*; a region weighs the result,
with the trust's NOF segment, when it decides what support a trust needs (and whether a segment 4 trust enters
intensive support, segment 5). This module puts the board's view beside the numbers NHS England judges it on:

* :data:`AREAS`, the six areas and the NOF evidence that bears on each (a plain data value, ready to move into the
  catalogue), and :data:`SCALE`, the four-point rating scale (ours: see ``docs/capability.md``);
* :func:`trust_evidence`, one trust's evidence per area: domain scores and segments, its worst metrics in their own
  units with their place among peers, likely ranges, and an evidence level on the rating's 1-to-4 steps;
* :func:`compare`, the board's ratings against that evidence under :data:`RULE`;
* :func:`blank_assessment`, :func:`example_assessment`, :func:`assessment_csv` and :func:`read_assessment_csv`,
  the assessment as a CSV a board can download, fill in and upload again;
* :func:`board_pack_html`, one printable, self-contained summary.

Pure pandas and numpy; it never imports Streamlit.
"""

from __future__ import annotations

import csv
import datetime as _dt
import html
import io
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import catalogue as cat
from .formats import ordinal, place_text, range_text, to_csv, value_text  # noqa: F401 (ordinal: part of this API)
from .problems import InputError, Problem
from .uncertainty import mean_range

# ----------------------------------------------------------------------------------------------------------------
# The scale, the areas and the rule (data, not code)


@dataclass(frozen=True)
class Rating:
    """One step of the board's rating scale: ``level`` 1 (best) to 4, as NOF segments run."""

    level: int
    label: str
    meaning: str


#: Our four-point scale. NHS England's guidance names the six areas but, as far as we could find, publishes no
#: wording for a rating scale, so this one is ours (``docs/capability.md``). It runs 1 best to 4 worst so that it
#: lines up with NOF segments.
SCALE: tuple[Rating, ...] = (
    Rating(1, "Strong", "The board is assured the trust meets the expectations in this area and can show the "
                        "evidence."),
    Rating(2, "Good", "The trust meets most expectations; the gaps are known and actions are under way."),
    Rating(3, "Limited", "There are significant gaps against the expectations; improvement is planned but not yet "
                         "showing."),
    Rating(4, "Weak", "The trust does not meet the expectations in this area and needs support to improve."),
)
SCALE_SOURCE = ("The rating scale (1 Strong, 2 Good, 3 Limited, 4 Weak) is NOF explorer's own, not NHS England's: "
                "their guidance sets out the six areas and the expectations in each, but we found no published "
                "wording for a rating scale. It runs 1 best to 4 worst, as NOF segments do.")

GUIDANCE = ("NHS England, Assessing provider capability: guidance for NHS trust boards (August 2025), "
            "https://www.england.nhs.uk/long-read/assessing-provider-capability-guidance-for-nhs-trust-boards")

_FINANCE_DOMAIN = cat.DOMAINS[4]
#: Quarters of the 1-4 metric-score scale: a mean score up to the first bound is level 1, and so on. For a
#: rank-scored metric (``1 + 3 (r - 1) / (N - 1)``) these are the quarters of its peer group by rank.
SCORE_STEPS = (1.75, 2.50, 3.25)


@dataclass(frozen=True)
class CapabilityArea:
    """One of NHS England's six capability areas and the NOF evidence that bears on it.

    Attributes
    ----------
    key : short identifier (session keys, file names).
    name : NHS England's wording of the area.
    domains : NOF domains whose score, segment and metrics are shown beside the area.
    metrics : when given, the evidence is these score IDs only (not the whole domain): the domain is context.
    deficit_flag : NHS England's deficit flag bears on the area (evidence level at least 3 when flagged, as the
        financial override puts a trust in deficit in segment 3 at best).
    note : what the evidence is, in words.
    """

    key: str
    name: str
    domains: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()
    deficit_flag: bool = False
    note: str = ""


AREAS: tuple[CapabilityArea, ...] = (
    CapabilityArea("strategy", "Strategy, leadership and planning",
                   note="No NOF 2025/26 metric measures strategy, leadership or planning, so the board's rating is "
                        "not compared with NOF data; its evidence note carries it."),
    CapabilityArea("quality", "Quality of care", ("Patient safety", "Effectiveness and experience"),
                   note="The Patient safety and Effectiveness and experience domains; the worse of their two "
                        "segments sets the evidence level."),
    CapabilityArea("people", "People and culture", ("People and workforce",),
                   note="The People and workforce domain (staff survey engagement, sickness absence); its segment "
                        "sets the evidence level."),
    CapabilityArea("access", "Access and delivery of services", ("Access to services",),
                   note="The Access to services domain; its segment sets the evidence level."),
    CapabilityArea("productivity", "Productivity and value for money", (_FINANCE_DOMAIN,), ("OF1085", "OF1086"),
                   note="Implied productivity (OF1085, acute trusts) or relative difference in costs (OF1086, "
                        "mental health and community trusts); its score, in quarters of the 1-4 scale, sets the "
                        "evidence level."),
    CapabilityArea("finance", "Financial performance and oversight", (_FINANCE_DOMAIN,),
                   (cat.FINANCE_COMBINED, cat.FINANCE_PLAN, cat.FINANCE_VARIANCE), deficit_flag=True,
                   note="The combined finance score (OF1080, from the planned surplus or deficit OF1079 and the "
                        "variance to plan OF1081) sets the evidence level, at least 3 when NHS England flags the "
                        "trust in deficit."),
)

RULE = ("How the page compares: each area's NOF evidence is put on the same 1-to-4 steps as the board's rating (1 "
        "best). A domain area takes its NOF domain segment (the worse of the two for quality of care); productivity "
        "takes its metric's score in quarters of the 1-4 scale (up to 1.75 is 1, up to 2.50 is 2, up to 3.25 is 3, "
        "above is 4); finance takes the combined finance score, at least 3 when the trust is flagged in deficit. "
        "Where the board's rating is two or more steps better than that evidence level, the page flags that the "
        "board rates the area better than its evidence supports; two or more steps worse, that the board rates "
        "itself worse than its data. One step either way is in line. Strategy, leadership and planning has no NOF "
        "metric and is not compared.")

VERDICTS = {
    "better": "Rated better than the evidence",
    "worse": "Rated worse than the evidence",
    "in line": "In line with the evidence",
    "not rated": "Not rated yet",
    "no evidence": "Not compared: no NOF evidence",
}
FLAG_STEPS = 2

ASSESSMENT_COLUMNS = ("trust_code", "trust_name", "quarter", "area", "rating", "evidence_note")
REQUIRED_COLUMNS = ("trust_code", "area", "rating", "evidence_note")
MAX_NOTE_CHARS = 1_000
MAX_FILE_BYTES = 1_000_000
MAX_ROWS = 60
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def area(key_or_name: str) -> CapabilityArea:
    """The area for a key (``"access"``) or NHS England's name, in any case and spacing; KeyError if none."""
    wanted = _fold(key_or_name)
    for a in AREAS:
        if wanted in (a.key, _fold(a.name)):
            return a
    raise KeyError(key_or_name)


def rating(level: int) -> Rating:
    """The scale step for a level 1 to 4."""
    return SCALE[int(level) - 1]


def rating_text(level) -> str:
    """``"2 Good"`` for level 2; ``""`` when not rated."""
    return "" if level is None or pd.isna(level) else f"{int(level)} {rating(level).label}"


def _fold(text) -> str:
    return re.sub(r"\s+", " ", str(text).replace("&", " and ").strip().lower())


# ----------------------------------------------------------------------------------------------------------------
# The evidence for one trust


@dataclass(frozen=True)
class TrustEvidence:
    """One trust's NOF evidence for each capability area in one quarter (see :func:`trust_evidence`).

    Attributes
    ----------
    trust : the trust's row: ``quarter``, ``trust_code``, ``trust_name``, ``trust_type``, ``final_segment``,
        ``segment``, ``unadjusted_segment``, ``rank``, ``peers``, ``average_score_2dp``, ``deficit``, ``rsp``,
        ``n_metrics``, ``score_lo``, ``score_hi``, ``rank_lo``, ``rank_hi``.
    areas : one row per area in :data:`AREAS` order: ``area_key``, ``area``, ``level`` (1-4, NA when there is no
        evidence), ``basis`` (the level in words) and ``note`` (the mapping in words).
    domains : one row per area and mapped domain the trust has: ``area_key``, ``domain``, ``domain_score_2dp``,
        ``domain_segment``, ``domain_segment_source``, ``n_metrics``, ``range_lo``, ``range_hi``.
    metrics : one row per area and metric, worst score first within an area: ``area_key``, ``metric_id``,
        ``metric_name``, ``domain``, ``units``, ``value``, ``score``, ``counted``, ``place`` (``"52nd of 61"``),
        ``text`` (``"Sickness absence 7.49 %, 52nd of 61"``).
    """

    trust: pd.Series
    areas: pd.DataFrame
    domains: pd.DataFrame
    metrics: pd.DataFrame

    def worst(self, area_key: str, n: int = 3) -> pd.DataFrame:
        """The area's ``n`` worst metrics that count in the average (finance: every finance metric)."""
        rows = self.metrics[self.metrics["area_key"] == area_key]
        if area(area_key).metrics:
            return rows
        return rows[rows["counted"]].head(n)


def score_level(mean_score: float) -> int:
    """A mean metric score (1 best to 4) on the rating's steps: up to 1.75 is 1, 2.50 is 2, 3.25 is 3, above 4."""
    return int(1 + np.searchsorted(SCORE_STEPS, round(float(mean_score), 2), side="left"))


def _places(peers: pd.DataFrame) -> pd.Series:
    """``"52nd of 61"`` (``"joint 4th of 61"`` when tied) for each peer row, from its rank within type."""
    rank_col = "imr_rank" if "imr_rank" in peers else "type_rank"
    rank = pd.to_numeric(peers[rank_col], errors="coerce")
    n = peers.groupby("metric_id")["metric_id"].transform("size")
    tied = peers.assign(_r=rank).groupby(["metric_id", "_r"])["metric_id"].transform("size") > 1
    return pd.Series([("" if pd.isna(r) else ("joint " if t else "") + place_text(r, k))
                      for r, k, t in zip(rank, n, tied)], index=peers.index, dtype=object)


def trust_evidence(assessment, ranges: pd.DataFrame | None, quarter: str, trust_code: str) -> TrustEvidence:
    """One trust's NOF evidence for each capability area in ``quarter``.

    Parameters
    ----------
    assessment : :class:`oversight.Assessment` (uses ``trusts``, ``scores`` with ``imr_rank``, ``domains``).
    ranges : :func:`oversight.likely_ranges` for the quarter (``score_lo``, ``score_hi``, ``rank_lo``,
        ``rank_hi``), or None.
    quarter, trust_code : which trust and quarter.

    Returns
    -------
    :class:`TrustEvidence`. Domain ranges are percentile bootstrap ranges of the domain score
    (:func:`oversight.uncertainty.mean_range` of the trust's weighted scores in the domain). A trust known only
    from a league table has no areas' evidence (levels NA) but keeps its segment, rank and ranges.

    Raises
    ------
    KeyError
        When the trust is not scored in ``quarter``.
    """
    t = assessment.trusts
    rows = t[(t["quarter"] == quarter) & (t["trust_code"] == trust_code)]
    if rows.empty:
        raise KeyError(f"{trust_code} is not scored in {quarter}")
    me = rows.iloc[0].copy()
    me["peers"] = int(((t["quarter"] == quarter) & (t["trust_type"] == me["trust_type"])).sum())
    for col in ("score_lo", "score_hi", "rank_lo", "rank_hi"):
        me[col] = np.nan
    if ranges is not None and len(ranges):
        mine = ranges[(ranges["quarter"] == quarter) & (ranges["trust_code"] == trust_code)]
        if len(mine):
            for col in ("score_lo", "score_hi", "rank_lo", "rank_hi"):
                me[col] = mine[col].iloc[0]
    s = assessment.scores
    peers = s[(s["quarter"] == quarter) & (s["trust_type"] == me["trust_type"])]
    peers = peers.assign(place=_places(peers))
    own = peers[peers["trust_code"] == trust_code]
    d = assessment.domains
    own_domains = d[(d["quarter"] == quarter) & (d["trust_code"] == trust_code)] if len(d) else d

    area_rows, domain_rows, metric_frames = [], [], []
    for a in AREAS:
        for dom in a.domains:
            got = own_domains[own_domains["domain"] == dom] if len(own_domains) else own_domains
            if got.empty:
                continue
            inside = own[own["counted"] & (own["domain"] == dom)]
            lo, hi = mean_range(inside["score"], inside["weight"])
            g = got.iloc[0]
            domain_rows.append({"area_key": a.key, "domain": dom, "domain_score_2dp": g["domain_score_2dp"],
                                "domain_segment": int(g["domain_segment"]),
                                "domain_segment_source": g["domain_segment_source"], "n_metrics": g["n_metrics"],
                                "range_lo": lo, "range_hi": hi})
        if a.metrics:
            mine = own[own["metric_id"].isin(a.metrics)]
            mine = mine.assign(_o=mine["metric_id"].map({m: i for i, m in enumerate(a.metrics)})).sort_values("_o")
        else:
            mine = own[own["domain"].isin(a.domains)].sort_values(["score", "metric_name"], ascending=[False, True])
        metric_frames.append(mine.assign(area_key=a.key))
        level, basis = _level(a, [r for r in domain_rows if r["area_key"] == a.key], mine, bool(me["deficit"]))
        area_rows.append({"area_key": a.key, "area": a.name, "level": level, "basis": basis, "note": a.note})

    columns = ["area_key", "metric_id", "metric_name", "domain", "units", "value", "score", "counted", "place"]
    metrics = pd.concat(metric_frames, ignore_index=True)[columns] if metric_frames else pd.DataFrame(columns=columns)
    metrics["text"] = [f"{name} {value_text(v, u, sc)}" + (f", {p}" if p else "")
                       for name, v, u, sc, p in zip(metrics["metric_name"], metrics["value"], metrics["units"],
                                                    metrics["score"], metrics["place"])]
    areas = pd.DataFrame(area_rows).astype({"level": "Int64"})
    domains = pd.DataFrame(domain_rows, columns=["area_key", "domain", "domain_score_2dp", "domain_segment",
                                                 "domain_segment_source", "n_metrics", "range_lo", "range_hi"])
    return TrustEvidence(me, areas, domains, metrics)


def _level(a: CapabilityArea, domains: list[dict], metrics: pd.DataFrame, deficit: bool):
    """An area's evidence level (1-4 or None) and its basis in words."""
    if not a.domains and not a.metrics:
        return None, "no NOF metric bears on this area"
    if a.metrics:
        counted = metrics[metrics["counted"]]
        parts, level = [], None
        if len(counted):
            mean = float(counted["score"].mean())
            level = score_level(mean)
            parts.append("; ".join(f"{r.metric_name} scores {r.score:.2f}" + (f" ({r.place})" if r.place else "")
                                   for r in counted.itertuples()))
        if a.deficit_flag and deficit:
            level = max(level or 0, 3)
            parts.append("the trust is flagged in deficit, which makes it level 3 at best")
        if level is None:
            return None, "the trust has no score for " + " or ".join(cat.metric(m).short for m in a.metrics)
        return level, "; ".join(parts)
    if not domains:
        return None, "the trust has no score in " + " or ".join(a.domains)
    level = max(r["domain_segment"] for r in domains)
    text = ", ".join(f"{r['domain']} is in segment {r['domain_segment']} (score {r['domain_score_2dp']:.2f})"
                     for r in domains)
    if len(domains) > 1:
        text += ": the worse of the two counts"
    return level, text


# ----------------------------------------------------------------------------------------------------------------
# The board's ratings against the evidence


def compare(board: pd.DataFrame, evidence: TrustEvidence) -> pd.DataFrame:
    """The board's ratings against the evidence, area by area, under :data:`RULE`.

    Parameters
    ----------
    board : the assessment (:data:`ASSESSMENT_COLUMNS`; ``area`` holds an area's name or key, ``rating`` a level
        1-4 or NA).
    evidence : :func:`trust_evidence` for the same trust.

    Returns
    -------
    DataFrame, one row per area in :data:`AREAS` order: ``area_key``, ``area``, ``rating`` (Int64), ``rating_label``,
    ``evidence_note``, ``level`` (evidence level, Int64), ``gap`` (evidence level minus rating: positive when the
    board rates better than its evidence), ``verdict`` (a key of :data:`VERDICTS`), ``flagged`` and ``sentence``.
    """
    given = {area(a).key: (r, n) for a, r, n in zip(board["area"], board["rating"], board["evidence_note"])}
    rows = []
    for ev in evidence.areas.itertuples():
        r, note = given.get(ev.area_key, (pd.NA, ""))
        r = None if pd.isna(r) else int(r)
        level = None if pd.isna(ev.level) else int(ev.level)
        if r is None:
            verdict = "not rated"
        elif level is None:
            verdict = "no evidence"
        elif level - r >= FLAG_STEPS:
            verdict = "better"
        elif r - level >= FLAG_STEPS:
            verdict = "worse"
        else:
            verdict = "in line"
        rows.append({"area_key": ev.area_key, "area": ev.area, "rating": r, "rating_label": rating_text(r),
                     "evidence_note": "" if pd.isna(note) else str(note), "level": level,
                     "gap": None if r is None or level is None else level - r, "verdict": verdict,
                     "flagged": verdict in ("better", "worse"),
                     "sentence": _sentence(ev.area, r, level, verdict, ev.basis)})
    return pd.DataFrame(rows).astype({"rating": "Int64", "level": "Int64", "gap": "Int64"})


def _sentence(name: str, r, level, verdict: str, basis: str) -> str:
    if verdict == "not rated":
        return f"The NOF evidence sits at level {level}: {basis}." if level else f"Nothing to compare with: {basis}."
    said = f"The board rates {name} as {rating_text(r)}"
    if verdict == "no evidence":
        return f"{said}; it is not compared with NOF data because {basis}."
    if verdict == "better":
        return (f"{said}, {level - r} steps better than its NOF evidence supports: {basis} (evidence level "
                f"{level}).")
    if verdict == "worse":
        return f"{said}, {r - level} steps worse than its NOF data shows: {basis} (evidence level {level})."
    return f"{said}, in line with its NOF evidence (within one step of level {level}): {basis}."


# ----------------------------------------------------------------------------------------------------------------
# The assessment as a CSV


def blank_assessment(trust_code: str, trust_name: str = "", quarter: str = "") -> pd.DataFrame:
    """The template: one row per area for a trust, no ratings and no notes (:data:`ASSESSMENT_COLUMNS`)."""
    return pd.DataFrame({
        "trust_code": trust_code, "trust_name": trust_name, "quarter": quarter,
        "area": [a.name for a in AREAS], "rating": pd.array([pd.NA] * len(AREAS), dtype="Int64"),
        "evidence_note": "",
    })


_EXAMPLE = {
    "strategy": (2, "Five-year strategy refreshed with the ICB; board development programme under way."),
    "quality": (2, "Quality committee reviews the integrated performance report monthly; two serious incidents "
                   "this year, learning reported to the board."),
    "people": (2, "Staff survey action plan agreed; sickness absence reported to the people committee each month."),
    "access": (1, "Waiting lists reviewed weekly by the executive team."),
    "productivity": (2, "Cost improvement programme on plan at month 6."),
    "finance": (2, "Year-to-date position reported monthly; audit committee assured on financial controls."),
}


def example_assessment(trust_code: str, trust_name: str = "", quarter: str = "") -> pd.DataFrame:
    """A filled-in example for a trust: made-up ratings and notes that show the form (not any board's real view)."""
    frame = blank_assessment(trust_code, trust_name, quarter)
    frame["rating"] = pd.array([_EXAMPLE[a.key][0] for a in AREAS], dtype="Int64")
    frame["evidence_note"] = [_EXAMPLE[a.key][1] for a in AREAS]
    return frame


def assessment_csv(frame: pd.DataFrame) -> str:
    """CSV text of an assessment: ratings written as ``"2 Good"``, formulas neutralised (a note a spreadsheet would
    run gets a leading apostrophe, which :func:`read_assessment_csv` takes off again)."""
    out = frame.reindex(columns=list(ASSESSMENT_COLUMNS)).copy()
    out["rating"] = [rating_text(r) for r in out["rating"]]
    out = out.astype({c: object for c in out.columns}).fillna("")
    return to_csv(out)


def _parse_rating(text: str):
    """A rating cell to a level 1-4, None for blank, or ValueError."""
    t = _fold(text)
    if t in ("", "not rated"):
        return None
    labels = {r.label.lower(): r.level for r in SCALE}
    m = re.fullmatch(r"(?:(\d+(?:\.0+)?)\s*[-:.)]?\s*)?([a-z]+)?\s*(?:\((\d)\))?", t)
    if not m:
        raise ValueError(text)
    number, word, bracket = m.groups()
    levels = set()
    if number is not None:
        levels.add(int(float(number)))
    if bracket is not None:
        levels.add(int(bracket))
    if word is not None:
        if word not in labels:
            raise ValueError(text)
        levels.add(labels[word])
    if len(levels) != 1 or not 1 <= next(iter(levels)) <= 4:
        raise ValueError(text)
    return levels.pop()


def _decode(name: str, data: bytes) -> str:
    if len(data) > MAX_FILE_BYTES:
        raise InputError([Problem(name, f"the file is {len(data) / 1e6:,.1f} MB; an assessment is a few kilobytes "
                                  f"(the limit is {MAX_FILE_BYTES / 1e6:,.0f} MB).",
                                  "Upload the assessment CSV downloaded from this page.")])
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise InputError([Problem(name, "this is an Excel workbook, not a CSV.",
                                  "In Excel use File > Save As > 'CSV UTF-8 (comma delimited)'.")])
    if b"\x00" in data:
        raise InputError([Problem(name, "the file holds binary data (NUL bytes), so it is not a CSV text file.",
                                  "Upload the assessment CSV downloaded from this page.")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise InputError([Problem(name, f"the file is not UTF-8 text (first odd byte on line {line}).",
                                  "Save it again as 'CSV UTF-8 (comma delimited)'.")]) from None
    if not text.strip():
        raise InputError([Problem(name, "the file is empty.", "Download the template from this page and fill it in.")])
    return text


def _cell_text(name: str, row: int, column: str, text: str, problems: list[Problem]) -> str:
    """A text cell, with the apostrophe our download adds before formula-looking text taken off again."""
    if text.startswith("'") and text[1:].startswith(_FORMULA_START):
        return text[1:]
    if text.startswith(_FORMULA_START):
        problems.append(Problem(name, f"the text starts with {text[:1]!r}, so a spreadsheet would run it as a "
                                "formula.", "Start it with a word, or put an apostrophe (') before the first "
                                "character.", row=row, column=column))
    if _CONTROL.search(text):
        problems.append(Problem(name, "the text holds control characters.", "Remove them (retype the text).",
                                row=row, column=column))
    return text


def read_assessment_csv(name: str, data: bytes, trust_code: str, *, quarter: str | None = None,
                        trust_names: dict[str, str] | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Read an assessment CSV back for ``trust_code`` and check every cell.

    Parameters
    ----------
    name : the file's name (for messages).
    data : its bytes (UTF-8, with or without a byte-order mark).
    trust_code : the trust the page shows; every row must be for it.
    quarter : the quarter the page shows; a file made against another quarter's evidence gives a warning.
    trust_names : trust code to name, to name the trust a wrong file is for.

    Returns
    -------
    ``(frame, warnings)``: the assessment, one row per area in :data:`AREAS` order (:data:`ASSESSMENT_COLUMNS`;
    ``rating`` Int64, NA where not rated; an area missing from the file is unrated), and warnings.

    Raises
    ------
    InputError
        With one :class:`Problem` per fault (spreadsheet row numbers, header = row 1) and how to fix it: missing
        columns, a trust other than ``trust_code``, an unknown or repeated area, a rating not on :data:`SCALE`, a
        note over :data:`MAX_NOTE_CHARS` characters, formula-looking text, an unreadable quarter.
    """
    text = _decode(name, data)
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as err:
        raise InputError([Problem(name, f"the CSV could not be read ({err}).",
                                  "Save it again as 'CSV UTF-8 (comma delimited)'.")]) from None
    header = [_fold(c).replace(" ", "_") for c in records[0]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise InputError([Problem(name, f"the file has no {', '.join(missing)} column{plural} (its columns: "
                                  f"{', '.join(records[0]) or 'none'}).", "Use the template from this page: its "
                                  f"columns are {', '.join(ASSESSMENT_COLUMNS)}.")])
    problems, warnings = [], []
    extra = [c for c, h in zip(records[0], header) if h not in ASSESSMENT_COLUMNS]
    if extra:
        warnings.append(Problem(name, f"columns {', '.join(extra)} are not part of an assessment and were ignored.",
                                "Nothing to do.", severity="warning"))
    body = [(i + 1, r) for i, r in enumerate(records) if i > 0 and any(c.strip() for c in r)]
    if len(body) > MAX_ROWS:
        raise InputError([Problem(name, f"the file has {len(body):,} rows; an assessment has one per area "
                                  f"({len(AREAS)}).", "Upload the assessment CSV downloaded from this page.")])
    seen: dict[str, int] = {}
    out = blank_assessment(trust_code, (trust_names or {}).get(trust_code, ""), quarter or "").set_index(
        pd.Index([a.key for a in AREAS]))
    quarters = set()
    for row, cells in body:
        if len(cells) != len(header):
            problems.append(Problem(name, f"this row has {len(cells)} fields but the header has {len(header)}.",
                                    "Check for a stray comma, or put the note in double quotes.", row=row))
            continue
        cell = {h: c.strip() for h, c in zip(header, cells)}
        code = cell["trust_code"].upper()
        if code != trust_code.upper():
            known = (trust_names or {}).get(code)
            fix = (f"Choose {known} under Trust to highlight in the sidebar, then upload again; or put "
                   f"{trust_code} in trust_code." if known else f"Put {trust_code} in trust_code, or choose the "
                   "file's trust in the sidebar first.")
            problems.append(Problem(name, f"this row is for trust {code or '(blank)'}, but the page shows "
                                    f"{trust_code}.", fix, row=row, column="trust_code"))
        try:
            a = area(cell["area"])
        except KeyError:
            problems.append(Problem(name, f"{cell['area'][:60]!r} is not one of the six areas.",
                                    "Use one of: " + "; ".join(x.name for x in AREAS) + ".", row=row, column="area"))
            a = None
        if a is not None and a.key in seen:
            problems.append(Problem(name, f"{a.name} is already rated on row {seen[a.key]}.",
                                    "Keep one row per area.", row=row, column="area"))
        elif a is not None:
            seen[a.key] = row
        try:
            level = _parse_rating(cell["rating"])
        except ValueError:
            level = None
            problems.append(Problem(name, f"the rating {cell['rating'][:40]!r} is not on the scale.",
                                    "Use 1 Strong, 2 Good, 3 Limited or 4 Weak (the number, the word or both); "
                                    "leave it blank if not yet rated.", row=row, column="rating"))
        note = _cell_text(name, row, "evidence_note", cell["evidence_note"], problems)
        if len(note) > MAX_NOTE_CHARS:
            problems.append(Problem(name, f"the evidence note is {len(note):,} characters long (the limit is "
                                    f"{MAX_NOTE_CHARS:,}).", "Shorten it; refer to the board paper for the detail.",
                                    row=row, column="evidence_note"))
        if "quarter" in cell and cell["quarter"]:
            q = cat.normalise_quarter(cell["quarter"])
            if q is None:
                problems.append(Problem(name, f"{cell['quarter'][:30]!r} is not a quarter.",
                                        "Write it like 'Q4 2025/26', or leave it blank.", row=row, column="quarter"))
            else:
                quarters.add(q)
        if a is not None:
            out.loc[a.key, ["rating", "evidence_note"]] = [pd.NA if level is None else level, note]
    if not body:
        problems.append(Problem(name, "the file has a header but no rows.",
                                "Download the template from this page: it has one row per area."))
    if problems:
        raise InputError(problems + warnings)
    if quarter and quarters - {quarter}:
        warnings.append(Problem(name, f"the file was made against {', '.join(sorted(quarters - {quarter}))} "
                                f"evidence; the page shows {quarter}.", "Nothing to do, if you meant to carry the "
                                "ratings over; otherwise choose that quarter in the sidebar.", severity="warning"))
    out = out.reset_index(drop=True)
    out["rating"] = out["rating"].astype("Int64")
    return out, warnings


# ----------------------------------------------------------------------------------------------------------------
# The board pack

_CSS = """
@page { size: A4; margin: 15mm 14mm; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #212B32;
       background: #FFFFFF; font-size: 10.5pt; line-height: 1.4; max-width: 62em; margin: 0 auto; padding: 1.2em; }
h1 { font-size: 1.6em; margin: 0 0 .2em; } h2 { font-size: 1.25em; margin: 1.4em 0 .4em; border-bottom: 2px solid
#005EB8; padding-bottom: .15em; } h3 { font-size: 1.05em; margin: 0 0 .3em; }
p { margin: .3em 0; } .muted { color: #4C6272; }
table { border-collapse: collapse; width: 100%; margin: .4em 0; }
th, td { border: 1px solid #AEB7BD; padding: .3em .45em; text-align: left; vertical-align: top; }
th { background: #F0F4F5; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15em 1em; margin: .4em 0; }
dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; }
section.area { border: 1px solid #AEB7BD; border-left-width: 6px; padding: .6em .8em; margin: .7em 0;
               break-inside: avoid; page-break-inside: avoid; }
section.flag { border-left-color: #D5281B; } section.inline { border-left-color: #007F3B; }
.verdict { font-weight: 700; } .note { white-space: pre-wrap; }
ul { margin: .2em 0 .2em 1.2em; padding: 0; }
@media print { body { padding: 0; max-width: none; } a { color: inherit; text-decoration: none; } }
"""


def _e(text) -> str:
    return html.escape("" if text is None or (not isinstance(text, str) and pd.isna(text)) else str(text))


def domain_range_text(lo, hi, n_metrics) -> str:
    """``"likely range 1.50 to 2.38 (2 metrics)"``, or why there is none."""
    if pd.isna(lo) or pd.isna(hi):
        return "no likely range"
    if int(n_metrics) == 1:
        return "one metric, so no likely range"
    return f"likely range {lo:.2f} to {hi:.2f} ({int(n_metrics)} metrics)"


def board_pack_html(evidence: TrustEvidence, review: pd.DataFrame, *, sources=(), made: _dt.date | None = None) -> str:
    """One printable, self-contained HTML page: the trust's segment, rank and likely ranges, the six areas with the
    board's ratings and notes, the NOF evidence and flags, the scale, the rule and the sources.

    Parameters
    ----------
    evidence : :func:`trust_evidence`.
    review : :func:`compare` of the board's assessment with ``evidence``.
    sources : more source lines (the data the app loaded, the method, the likely-range method).
    made : the date printed on the pack (default today).

    Returns
    -------
    HTML text: no scripts, no external styles or fonts, every string from data or the board escaped.
    """
    me = evidence.trust
    made = made or _dt.date.today()
    seg = int(me["final_segment"])
    seg_text = f"{seg}" + (" (Recovery Support Programme)" if seg == 5 else "")
    if bool(me["deficit"]) and me["segment"] != me["unadjusted_segment"]:
        seg_text += f"; {int(me['unadjusted_segment'])} by score, moved by the financial override"
    flagged = int(review["flagged"].sum())
    out = ["<!DOCTYPE html>", '<html lang="en-GB"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>Board capability self-assessment: {_e(me['trust_name'])} ({_e(me['trust_code'])})</title>",
           f"<style>{_CSS}</style></head><body><main>",
           "<h1>Board self-assessment of provider capability</h1>",
           f"<p><strong>{_e(me['trust_name'])}</strong> ({_e(me['trust_code'])}), {_e(me['trust_type'])}. NOF "
           f"evidence: {_e(me['quarter'])}. Printed {made.day} {made:%B %Y}.</p>",
           "<h2>The trust in the NHS Oversight Framework</h2>", '<dl class="facts">',
           f"<dt>Segment</dt><dd>{_e(seg_text)}</dd>",
           f"<dt>Rank</dt><dd>{int(me['rank'])} of {int(me['peers'])} {_e(me['trust_type'].lower())}s; likely "
           f"range {_e(range_text(me['rank_lo'], me['rank_hi'], 0))}</dd>",
           f"<dt>Average score</dt><dd>{me['average_score_2dp']:.2f} (1 best, 4 worst); likely range "
           f"{_e(range_text(me['score_lo'], me['score_hi'], 2))}</dd>",
           f"<dt>In financial deficit</dt><dd>{'Yes' if bool(me['deficit']) else 'No'}</dd>",
           f"<dt>Where the board and the data disagree</dt><dd>{flagged} of {len(review)} areas flagged"
           + (": " + _e("; ".join(f"{r.area} ({VERDICTS[r.verdict].lower()})" for r in review.itertuples()
                                 if r.flagged)) if flagged else "") + "</dd></dl>",
           "<h2>Summary</h2>", "<table><thead><tr><th scope=\"col\">Area</th><th scope=\"col\">Board rating</th>"
           "<th scope=\"col\">NOF evidence level</th><th scope=\"col\">Verdict</th></tr></thead><tbody>"]
    for r in review.itertuples():
        out.append(f"<tr><th scope=\"row\">{_e(r.area)}</th><td>{_e(r.rating_label or 'Not rated')}</td>"
                   f"<td>{'none' if pd.isna(r.level) else int(r.level)}</td><td>{_e(VERDICTS[r.verdict])}</td></tr>")
    out.append("</tbody></table><h2>The six areas</h2>")
    areas = evidence.areas.set_index("area_key")
    for r in review.itertuples():
        kind = "flag" if r.flagged else ("inline" if r.verdict == "in line" else "")
        out.append(f'<section class="area {kind}"><h3>{_e(r.area)}</h3>')
        out.append(f'<p class="verdict">{_e(VERDICTS[r.verdict])}.</p><p>{_e(r.sentence)}</p>')
        out.append(f"<p><strong>Board rating:</strong> {_e(r.rating_label or 'not rated')}</p>")
        out.append(f'<p><strong>Board evidence note:</strong></p><p class="note">{_e(r.evidence_note or "None.")}</p>')
        doms = evidence.domains[evidence.domains["area_key"] == r.area_key]
        for dm in doms.itertuples():
            out.append(f"<p><strong>{_e(dm.domain)}:</strong> domain score {dm.domain_score_2dp:.2f}, segment "
                       f"{dm.domain_segment}; {_e(domain_range_text(dm.range_lo, dm.range_hi, dm.n_metrics))}</p>")
        worst = evidence.worst(r.area_key)
        if len(worst):
            title = "NOF metrics" if area(r.area_key).metrics else "Worst metrics (score 1 best, 4 worst)"
            out.append(f"<p><strong>{title}:</strong></p><ul>")
            out += [f"<li>{_e(m.text)}" + ("" if pd.isna(m.value) else f" (score {m.score:.2f})") + "</li>"
                    for m in worst.itertuples()]
            out.append("</ul>")
        out.append(f'<p class="muted">Mapping: {_e(areas.loc[r.area_key, "note"])}</p></section>')
    out.append("<h2>How to read this</h2>")
    out.append("<table><thead><tr><th scope=\"col\">Rating</th><th scope=\"col\">Meaning</th></tr></thead><tbody>")
    out += [f"<tr><th scope=\"row\">{s.level} {_e(s.label)}</th><td>{_e(s.meaning)}</td></tr>" for s in SCALE]
    out.append(f"</tbody></table><p>{_e(SCALE_SOURCE)}</p><p>{_e(RULE)}</p>")
    out.append("<h2>Sources</h2><ul>")
    out += [f"<li>{_e(s)}</li>" for s in (GUIDANCE, *sources,
                                          "Mapping, scale and rule: NOF explorer, docs/capability.md (ours, not "
                                          "NHS England's).")]
    out.append("</ul></main></body></html>")
    return "\n".join(out)
