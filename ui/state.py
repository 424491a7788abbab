"""Filter values that persist across pages and live in the URL, so a copied link reopens the same view.

Each value has a stable key in ``st.session_state`` and a short name in the URL. A value is read from the URL the
first time its key is used in a session (opening a shared link), kept in session state across page switches
(re-assigned on every page so Streamlit's widget clean-up does not drop it), and written back to the URL on every
run. Navigation links carry the current values along.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import streamlit as st

import oversight as nof

TYPE_CODES = {nof.catalogue.ACUTE: "acute", nof.catalogue.MHC: "mhc", nof.catalogue.AMBULANCE: "ambulance"}


@dataclass(frozen=True)
class Param:
    """A session-state key mirrored in the URL as ``name``; ``to_url``/``from_url`` convert the value."""

    key: str
    name: str
    to_url: callable = str
    from_url: callable = str


def bool_from_url(text: str) -> bool:
    return text.lower() in {"1", "true", "yes", "on"}


def _type_from_url(text: str) -> str:
    return {v: k for k, v in TYPE_CODES.items()}.get(text, nof.catalogue.canonical_trust_type(text) or text)


GLOBAL = (
    Param("dataset", "data"),
    Param("quarter", "quarter"),
    Param("trust_type", "type", lambda t: TYPE_CODES.get(t, t), _type_from_url),
    Param("non_specialist", "nonspec", lambda b: "1" if b else "0", bool_from_url),
    Param("trust", "trust"),
)


def restore(params) -> None:
    """Take each key's value from the URL the first time the key is used in this session; keep the rest."""
    for p in params:
        if p.key not in st.session_state and p.name in st.query_params:
            with contextlib.suppress(ValueError, KeyError):
                st.session_state[p.key] = p.from_url(st.query_params[p.name])
        elif p.key in st.session_state:
            st.session_state[p.key] = st.session_state[p.key]  # survive Streamlit's widget clean-up


def choose(key: str, options: list, default):
    """Make sure session state holds a valid option for ``key`` before its widget is drawn."""
    if st.session_state.get(key) not in options:
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

    def peers(self, frame):
        """Rows of ``frame`` for this view's trust type, in every quarter (non-specialist acute only if asked)."""
        rows = frame[frame["trust_type"] == self.trust_type]
        if self.non_specialist and "trust_subtype" in rows:
            rows = rows[rows["trust_subtype"] != nof.catalogue.SPECIALIST_SUBTYPE]
        return rows

    def table(self, frame):
        """Rows of ``frame`` for this view's quarter and trust type."""
        rows = self.peers(frame)
        return rows[rows["quarter"] == self.quarter]
