"""Filter values that persist across pages and live in the URL, so a copied link reopens the same view.

Each value has a stable key in ``st.session_state`` and a short name in the URL. A value is read from the URL the
first time its key is used in a session (opening a shared link), kept in session state across page switches
(re-assigned on every page so Streamlit's widget clean-up does not drop it), and written back to the URL on every
run. Navigation links carry the current values along.

A link is text anyone can edit, so nothing from it reaches a widget unchecked: each value is parsed strictly by its
:class:`Param` (a number must be finite and in range, a flag must be a flag), and a value that names a choice (a
quarter, a trust, a metric) is checked against the choices on screen by :func:`choose`. A value that fails either
is left out, with a note saying which value and why; the view falls back to its default for it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import streamlit as st

import oversight as nof

from .text import md

TYPE_CODES = {nof.catalogue.ACUTE: "acute", nof.catalogue.MHC: "mhc", nof.catalogue.AMBULANCE: "ambulance"}
UPLOAD = "upload"  # the dataset key of this session's upload
MAX_LINK_CHARS = 500  # longer values are refused before any parsing
_LINKED = "_from_link"  # session key: {state key: (URL name, text)} of link values not yet checked by choose()


@dataclass(frozen=True)
class Param:
    """A session-state key mirrored in the URL as ``name``. ``to_url`` writes a value; ``from_url`` reads one and
    raises ``ValueError`` whose message says why the text cannot be used."""

    key: str
    name: str
    to_url: Callable = str
    from_url: Callable = str


def flag(true: str = "1", false: str = "0") -> tuple[Callable, Callable]:
    """``to_url`` and a strict ``from_url`` for a yes/no value written as ``true`` or ``false``."""
    yes, no = {true, "1", "true", "yes", "on"}, {false, "0", "false", "no", "off"}

    def from_url(text: str) -> bool:
        if text.lower() in yes:
            return True
        if text.lower() in no:
            return False
        raise ValueError(f"it should be {true} or {false}")

    return (lambda b: true if b else false), from_url


def number(text: str, lo: float, hi: float) -> float:
    """A finite number from ``lo`` to ``hi`` (``nan``, ``inf`` and out-of-range values raise ``ValueError``)."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"'{text[:20]}' is not a number") from None
    if not math.isfinite(value) or not lo <= value <= hi:
        raise ValueError(f"{text[:20]} is not a number from {lo:g} to {hi:g}")
    return value


def _type_from_url(text: str) -> str:
    return {v: k for k, v in TYPE_CODES.items()}.get(text, nof.catalogue.canonical_trust_type(text) or text)


GLOBAL = (
    Param("dataset", "data"),
    Param("quarter", "quarter"),
    Param("trust_type", "type", lambda t: TYPE_CODES.get(t, t), _type_from_url),
    Param("non_specialist", "nonspec", *flag()),
    Param("trust", "trust"),
    Param("region", "region"),
)
METRIC = Param("metric", "metric")  # the Individual metrics page's metric


def note(name: str, text: str, reason: str) -> None:
    """Say, where the value's control is, that a link's value was left out and why."""
    shown = text if len(text) <= 40 else text[:40] + "…"
    st.warning(md("The link's **{}** value '{}' was not used: {}.", name, shown, reason), icon=":material/link_off:")


def restore(params) -> None:
    """Take each key's value from the URL the first time the key is used in this session; keep the rest."""
    linked = st.session_state.setdefault(_LINKED, {})
    for p in params:
        if p.key in st.session_state:
            st.session_state[p.key] = st.session_state[p.key]  # survive Streamlit's widget clean-up
        elif p.name in st.query_params:
            text = st.query_params.get_all(p.name)[-1]  # a repeated name: the last one, as st.query_params does
            try:
                if len(text) > MAX_LINK_CHARS:
                    raise ValueError(f"it is {len(text):,} characters long")
                st.session_state[p.key] = p.from_url(text)
            except ValueError as err:
                note(p.name, text, str(err))
            else:
                linked[p.key] = (p.name, text)


def choose(key: str, options: list, default, *, quiet: bool = False) -> None:
    """Make sure session state holds a valid option for ``key`` before its widget is drawn; a value from a link
    that is not an option is noted (unless ``quiet``: the caller says it better) and replaced by ``default``."""
    origin = st.session_state.get(_LINKED, {}).pop(key, None)
    if st.session_state.get(key) not in options:
        if origin and not quiet:
            note(*origin, "it is not one of the choices here")
        st.session_state[key] = default


def url_params(params) -> dict[str, str]:
    out = {}
    for p in params:
        value = st.session_state.get(p.key)
        text = p.to_url(value) if value is not None else ""
        if text != "":
            out[p.name] = text
    return out


def publish(params) -> dict[str, str]:
    """Write the current values to the URL; returns them."""
    values = url_params(params)
    if dict(st.query_params) != values:
        st.query_params.from_dict(values)
    return values


@dataclass(frozen=True)
class View:
    """What every page is showing: the dataset, its key for caching, and the shared filters."""

    key: str
    dataset: nof.Dataset = field(repr=False)
    label: str
    quarter: str
    trust_type: str
    non_specialist: bool
    trust: str | None
    method: nof.Method = nof.Method()
    region: str | None = None
    trust_name: str | None = None  # the highlighted trust's name

    def peers(self, frame):
        """Rows of ``frame`` for this view's trust type, in every quarter (non-specialist acute only, and one region
        only, if asked; ranks stay those of the whole table)."""
        rows = frame[frame["trust_type"] == self.trust_type]
        if not (self.non_specialist or self.region):
            return rows
        # By trust code against the loaded files' roster, so that a table without subtype or region columns (the
        # hidden problems, the segment changes) is filtered like every other.
        from . import data  # (imported here: ui.data imports ui.state)

        roster = data.roster(self.dataset)
        keep = roster["trust_type"] == self.trust_type
        if self.non_specialist:
            keep &= roster["trust_subtype"] != nof.catalogue.SPECIALIST_SUBTYPE
        if self.region:
            keep &= roster["region"] == self.region
        return rows[rows["trust_code"].isin(set(roster.loc[keep, "trust_code"]))]

    @property
    def unhighlighted(self) -> View:
        """This view with no trust highlighted: what content that does not depend on the highlight is cached by,
        so that choosing a trust to highlight does not work out the same content again for every trust."""
        return dataclasses.replace(self, trust=None, trust_name=None)

    def table(self, frame):
        """Rows of ``frame`` for this view's quarter and trust type."""
        rows = self.peers(frame)
        return rows[rows["quarter"] == self.quarter]

    @property
    def previous_quarter(self) -> str | None:
        """The quarter before this view's among those its trust type has data for, if there is one."""
        from . import data  # worked out once per dataset there (imported here: ui.data imports ui.state)

        quarters = data.type_quarters(self.dataset).get(self.trust_type, [])
        i = quarters.index(self.quarter) if self.quarter in quarters else 0
        return quarters[i - 1] if i else None


def type_quarters(dataset: nof.Dataset) -> dict[str, list[str]]:
    """The quarters each trust type has data for (acute: Q1 2025/26 only in NHS England's files so far)."""
    frames = [f[["trust_type", "quarter"]] for f in (dataset.metrics, dataset.league)]
    pairs = frames[0] if not len(frames[1]) else frames[0].merge(frames[1], how="outer")
    pairs = pairs.drop_duplicates()
    return {t: nof.catalogue.quarter_order(pairs.loc[pairs["trust_type"] == t, "quarter"])
            for t in nof.catalogue.TRUST_TYPES if t in set(pairs["trust_type"])}
