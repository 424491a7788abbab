"""The engine behind st.cache_data: every page asks here, nothing recomputes what the engine returns.

Datasets are identified by a key string ("default", or "upload:<sha256 of the files>", or a what-if key built on
either), so cached functions hash a short string instead of a whole dataset. The dataset itself is passed in an
argument whose name starts with "_", which Streamlit leaves out of the cache key.

Two kinds of cache entry, so that memory stays within a budget however many people upload:

* **shared**: NHS England's default data under NHS England's method, the same for every visitor; kept (a few
  entries per function, no expiry).
* **this session's**: anything made from an upload, a what-if method or an edit. It is no use to anyone else, so it
  lives in the session's own cache (``scope="session"``): dropped when the session closes, after
  :data:`SESSION_TTL`, and beyond :data:`SESSION_ENTRIES` entries per function. ``server.maxCacheDataSize`` in
  .streamlit/config.toml caps everything cached together (least recently used dropped first).

The files of an upload are kept apart from both, server-wide (:func:`keep_upload`): at most :data:`MAX_UPLOADS`,
each dropped :data:`SESSION_TTL` after its last use or once the sessions that used it have gone. Not in
``st.session_state``: Streamlit keeps a closed session's state in case it reconnects and, in 1.67, never frees it
once that time is up (streamlit/streamlit#12506), so anything big there would stay for the life of the server.

Likely ranges are cached per quarter, so a page computes only the quarters it shows and no quarter is computed
twice.
"""

from __future__ import annotations

import functools
import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta

import pandas as pd
import streamlit as st

import oversight as nof

DEFAULT_KEY = "default"
DEFAULT_LABEL = "NHS England NOF 2025/26: acute trusts (Q1) and mental health and community trusts (Q1 to Q4)"
SOURCE = ("Source: NHS England, NHS Oversight Framework 2025/26 CSV files (Open Government Licence v3.0), "
          "as loaded in this session.")
DEFAULT_METHOD = nof.Method()
SHARED_ENTRIES = 16  # per function: quarters x trusts of the default data under NHS England's method
SESSION_TTL = timedelta(minutes=30)
SESSION_ENTRIES = 4  # per function and session: an upload and a what-if or two
MAX_UPLOADS = 6  # uploads whose files the server holds at once (each at most controls.MAX_TOTAL_MB)
RANGE_COLUMNS = ["quarter", "trust_code", "score_lo", "score_hi", "rank_lo", "rank_hi", "segment_lo", "segment_hi",
                 "p_worse_segment", "range_method"]  # of oversight.likely_ranges


def shared(key: str, *args) -> bool:
    """Whether a call is about NHS England's data under NHS England's method (the same for every visitor)."""
    return key == DEFAULT_KEY and all(a == DEFAULT_METHOD for a in args if isinstance(a, nof.Method))


def cached(show_spinner: bool | str = False, shared_entries: int = SHARED_ENTRIES):
    """``st.cache_data`` in two caches, chosen per call by :func:`shared`: the shared one for NHS England's data
    and method (``shared_entries``), this session's own (expiring) one for the rest. The decorated function's first
    argument is the dataset key."""

    def wrap(fn):
        everyone = st.cache_data(fn, show_spinner=show_spinner, max_entries=shared_entries)
        session = st.cache_data(fn, show_spinner=show_spinner, scope="session", ttl=SESSION_TTL,
                                max_entries=SESSION_ENTRIES)

        @functools.wraps(fn)
        def call(key: str, *args):
            return (everyone if shared(key, *args) else session)(key, *args)

        return call

    return wrap


@st.cache_data(show_spinner="Loading NHS England's files...")
def default_dataset() -> nof.Dataset:
    return nof.default_dataset()


def files_key(files) -> str:
    """A key for a set of uploaded files: the SHA-256 of their names and bytes."""
    digest = hashlib.sha256()
    for name, data in files:
        digest.update(name.encode())
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return "upload:" + digest.hexdigest()[:16]


@dataclass
class _Upload:
    files: tuple
    used: float  # time.monotonic() of the last use
    sessions: set[str]  # the sessions that have used it


class _Uploads:
    """Uploaded files by key: at most :data:`MAX_UPLOADS`, least recently used dropped first, each dropped
    :data:`SESSION_TTL` after its last use, or as soon as every session that used it has gone. Safe to use from
    every session's thread."""

    def __init__(self) -> None:
        self._uploads: OrderedDict[str, _Upload] = OrderedDict()
        self._lock = threading.Lock()

    def _trim(self, now: float) -> None:
        def oldest() -> _Upload:
            return next(iter(self._uploads.values()))

        while self._uploads and (len(self._uploads) > MAX_UPLOADS
                                 or now - oldest().used > SESSION_TTL.total_seconds()):
            self._uploads.popitem(last=False)

    def put(self, key: str, files: tuple, session: str) -> None:
        with self._lock:
            self._uploads[key] = _Upload(files, time.monotonic(), {session})
            self._uploads.move_to_end(key)
            self._trim(time.monotonic())

    def get(self, key: str, session: str) -> tuple | None:
        with self._lock:
            now = time.monotonic()
            self._trim(now)
            upload = self._uploads.get(key)
            if upload is None:
                return None
            upload.used = now
            upload.sessions.add(session)
            self._uploads.move_to_end(key)
            return upload.files

    def keep_only(self, sessions: set[str]) -> list[str]:
        """Drop the uploads none of ``sessions`` has used; returns their keys."""
        with self._lock:
            gone = [k for k, u in self._uploads.items() if not u.sessions & sessions]
            for key in gone:
                del self._uploads[key]
            return gone


@st.cache_resource
def _uploads() -> _Uploads:
    return _Uploads()


def _session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else ""


def keep_upload(files) -> str:
    """Hold an upload's files (``(name, bytes)`` pairs) on the server for this session; returns the key to ask for
    them."""
    key = files_key(files)
    _uploads().put(key, tuple(files), _session_id())
    return key


def upload_files(key: str) -> tuple | None:
    """The files of the upload ``key``, or None once they have been dropped (unused for :data:`SESSION_TTL`, more
    than :data:`MAX_UPLOADS` newer ones, or every session that used them gone)."""
    return _uploads().get(key, _session_id())


def release_uploads(sessions: set[str]) -> list[str]:
    """Let go of the uploads of sessions other than ``sessions`` (the ones the server still has); returns their
    keys. Called by :mod:`ui.janitor`."""
    return _uploads().keep_only(sessions)


@st.cache_data(show_spinner="Reading your files...", scope="session", ttl=SESSION_TTL, max_entries=2)
def read_upload(key: str, _files: tuple) -> nof.Dataset:
    """Read uploaded files (cached by their content key, for this session only). Raises
    :class:`oversight.InputError`."""
    return nof.read_files(list(_files))


@cached(show_spinner="Scoring...")
def assess(key: str, method: nof.Method, _dataset: nof.Dataset) -> nof.Assessment:
    """The engine's assessment. Data other than the default borrows the cut points bracketed from the default files'
    published segments for quarters it has none of its own for (an upload of six trusts is banded as the official
    table was)."""
    reference = None if key == DEFAULT_KEY else default_dataset()
    return nof.assess(_dataset, method, reference)


@cached(show_spinner="Scoring your edits...")
def assess_edited(key: str, method: nof.Method, _dataset: nof.Dataset, _edits: pd.DataFrame) -> nof.Assessment:
    """The assessment with what-if edits to some trust's metrics (``key`` names the dataset and the edits)."""
    reference = None if key.split("|")[0] == DEFAULT_KEY else default_dataset()
    return nof.assess(_dataset, method, reference, edits=_edits)


@cached(show_spinner="Working out likely ranges...")
def _quarter_ranges(key: str, method: nof.Method, quarter: str, _assessment: nof.Assessment) -> pd.DataFrame:
    return nof.likely_ranges(_assessment, [quarter])


def ranges(key: str, method: nof.Method, quarters, _assessment: nof.Assessment) -> pd.DataFrame:
    """Likely ranges (engine defaults: exact score ranges, 5,000 seeded replicates for ranks) for ``quarters``, one
    quarter at a time (a quarter's ranges do not depend on the others computed with it)."""
    parts = [_quarter_ranges(key, method, q, _assessment) for q in quarters]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=RANGE_COLUMNS)


@cached()
def improvement(key: str, method: nof.Method, quarter: str, _assessment: nof.Assessment) -> pd.DataFrame:
    return nof.improvement_plan(_assessment, quarter)


@cached()
def league(key: str, method: nof.Method, quarter: str, _assessment: nof.Assessment) -> pd.DataFrame:
    """The AMR league table of a quarter (every trust type) with likely ranges and what moving up would take."""
    return nof.league_table(_assessment, quarter, ranges(key, method, (quarter,), _assessment))


@cached()
def changes(key: str, method: nof.Method, quarter: str, previous: str | None, _assessment) -> pd.DataFrame:
    """Who changed segment between ``previous`` and ``quarter``, against ``previous``'s likely ranges (no rows when
    ``previous`` is None)."""
    if previous is None:
        return nof.segment_changes(_assessment).iloc[0:0]
    out = nof.segment_changes(_assessment, ranges(key, method, (previous,), _assessment))
    return out[out["quarter"] == quarter]


@cached()
def hidden_problems(key: str, method: nof.Method, quarter: str, _assessment) -> pd.DataFrame:
    return nof.hidden_problems(_assessment, ranges(key, method, (quarter,), _assessment), quarter)


@cached()
def volatility(key: str, method: nof.Method, _assessment) -> pd.DataFrame:
    """Every quarter's segment and rank (the grid shows them all, so every quarter's ranges are needed)."""
    from oversight import insights

    return insights.volatility(_assessment, ranges(key, method, tuple(_assessment.cuts), _assessment))


@cached(shared_entries=256)  # a trust and a quarter each: small, and every trust of the default data is asked for
def metric_spread(key: str, method: nof.Method, quarter: str, trust: str, _assessment) -> pd.DataFrame:
    from oversight import insights

    return insights.metric_spread(_assessment, quarter, trust)


@cached(show_spinner="Recomputing NHS England's published figures...")
def reproduction(key: str, _dataset: nof.Dataset) -> nof.Reproduction:
    """What the engine reproduces of the published figures in the loaded files, with every summary row removed
    (ranges compared for the quarters a league table covers)."""
    method = nof.Method()
    quarters = tuple(sorted(set(_dataset.league["quarter"])))
    return nof.reproduce(_dataset, ranges=ranges(key, method, quarters, assess(key, method, _dataset)))


@cached()
def domain_table(key: str, method: nof.Method, quarter: str, _assessment) -> pd.DataFrame:
    from oversight import insights

    return insights.domain_table(_assessment, quarter)


@cached()
def metric_trend(key: str, method: nof.Method, metric_id: str, trust_type: str, _assessment) -> pd.DataFrame:
    from oversight import insights

    return insights.metric_trend(_assessment, metric_id, trust_type)


@cached()
def compare_trusts(key: str, method: nof.Method, quarter: str, codes: tuple[str, ...], _assessment) -> pd.DataFrame:
    from oversight import insights

    return insights.compare_trusts(_assessment, ranges(key, method, (quarter,), _assessment), quarter, codes)


@cached()
def metric_catalogue(key: str, method: nof.Method, _assessment) -> pd.DataFrame:
    from oversight import insights

    return insights.metric_catalogue(_assessment)


@cached()
def stale_scores(key: str, _assessment) -> pd.DataFrame:
    """Scores in an upload that its raw values no longer support (a value changed, the score not)."""
    from oversight.checks import stale_scores as find

    return find(_assessment.scores)


@st.cache_data
def template_example() -> pd.DataFrame:
    """A filled-in template built from the default data (six trusts, Q4)."""
    from oversight.io import template_example as build

    return build(default_dataset())


@st.cache_data
def trust_register() -> pd.DataFrame:
    return nof.trust_register()


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV for download, with spreadsheet formulas neutralised."""
    return nof.to_csv(frame).encode("utf-8")


def league_layout_csv(table: pd.DataFrame) -> bytes:
    """``table`` in NHS England's league-table layout, as CSV. For a download made when clicked: pass it with
    ``functools.partial``, not a lambda, which would keep the whole page's variables (the dataset among them) for as
    long as Streamlit keeps the button."""
    return csv_bytes(nof.league_layout(table))
