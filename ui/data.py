"""The engine behind the pages' caches: every page asks here, nothing recomputes what the engine returns.

**Cached objects are identified by their content.** A cached function's arguments are all part of its cache key;
a :class:`oversight.Dataset` or :class:`oversight.Assessment` counts by its ``fingerprint`` (a digest of every
frame, cut point and method in it, worked out once per object and kept with it), through ``hash_funcs``. So two
objects with the same content share an entry, and no result can be looked up under another object's name: a
what-if assessment's ranges are never the default's. The functions still take the dataset key (``"default"``,
``"upload:<sha256 of the files>"``, or a what-if key) first, as pages pass it; it names the data for people, and
plays no part in what is cached.

Two kinds of cache entry, so that memory stays within a budget however many people upload:

* **shared**: NHS England's default data under NHS England's method, the same for every visitor: kept once per
  server in ``st.cache_resource`` (a few entries per function, no expiry), handed out without the copy
  ``st.cache_data`` makes on every call (unpickling the default dataset alone took about 13 ms a page view). What a
  page gets is a shallow copy (pandas copy-on-write), so a page that changes a table changes only its own.
* **this session's**: anything made from an upload, a what-if method or an edit. It is no use to anyone else, so it
  lives in the session's own cache (``st.cache_data(scope="session")``): dropped when the session closes, after
  :data:`SESSION_TTL`, and beyond :data:`SESSION_ENTRIES` entries per function. ``server.maxCacheDataSize`` in
  .streamlit/config.toml caps everything cached together (least recently used dropped first).

Which tier a call goes to is decided by content too: a call is shared when every dataset and assessment in it is
NHS England's (their fingerprints are registered when the shared tier makes them), every method is NHS England's
and no edit is given.

The files of an upload are kept apart from both, server-wide (:func:`keep_upload`): at most :data:`MAX_UPLOADS`,
each dropped :data:`SESSION_TTL` after its last use or once the sessions that used it have gone. Not in
``st.session_state``: Streamlit keeps a closed session's state in case it reconnects and, in 1.67, never frees it
once that time is up (streamlit/streamlit#12506), so anything big there would stay for the life of the server.

Likely ranges are cached per quarter (and by the assessment's content), so a page computes only the quarters it
shows and no quarter is computed twice.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import hashlib
import inspect
import pickle
import sys
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta

import pandas as pd
import streamlit as st

import oversight as nof
from oversight.uncertainty import RANGE_COLUMNS

from .state import View

DEFAULT_KEY = "default"
DEFAULT_LABEL = "NHS England NOF 2025/26: acute trusts (Q1) and mental health and community trusts (Q1 to Q4)"
SOURCE = ("Source: NHS England, NHS Oversight Framework 2025/26 CSV files (Open Government Licence v3.0), "
          "as loaded in this session.")
DEFAULT_METHOD = nof.Method()
SHARED_ENTRIES = 16  # per function: quarters x trusts of the default data under NHS England's method
SESSION_TTL = timedelta(minutes=30)
SESSION_ENTRIES = 4  # per function and session: an upload and a what-if or two
MAX_UPLOADS = 6  # uploads whose files the server holds at once (each at most controls.MAX_TOTAL_MB)


def _fingerprint(value) -> str:
    return value.fingerprint


_FRAMEWORKS: dict[int, tuple] = {}  # id -> (framework, digest of its repr); the framework kept so its id is not reused


def _method_key(method: nof.Method) -> str:
    """A method's content as a short string: every field's repr, the framework (NHS England's whole catalogue of
    metrics) by a digest of its repr worked out once per framework object. Streamlit's own hashing walks the
    catalogue's hundreds of objects on every cached call, about 7 ms a call and 45 ms a page view."""
    framework = method.framework
    kept = _FRAMEWORKS.get(id(framework))
    if kept is None or kept[0] is not framework:
        kept = _FRAMEWORKS[id(framework)] = (framework, hashlib.sha256(repr(framework).encode()).hexdigest())
    fields = [f"{f.name}={getattr(method, f.name)!r}" for f in dataclasses.fields(method) if f.name != "framework"]
    return f"Method({', '.join(fields)}, framework={kept[1]})"


def frame_digest(frame: pd.DataFrame) -> str:
    """A table's content as a digest of its pickle: about a sixth of the cost of Streamlit's own hashing of a
    DataFrame (``pandas.util.hash_pandas_object``), which every cached call given a table paid on every rerun."""
    return hashlib.sha256(pickle.dumps(frame, protocol=5)).hexdigest()


def _view_key(view: View) -> str:
    """A page's view by its content: every filter, the dataset by its fingerprint, the method by its fields."""
    fields = [f"{f.name}={getattr(view, f.name)!r}" for f in dataclasses.fields(view)
              if f.name not in ("dataset", "method")]
    return f"View({', '.join(fields)}, dataset={view.dataset.fingerprint}, method={_method_key(view.method)})"


#: How the caches hash what they are given: a dataset or an assessment by its content's fingerprint, a method by
#: its fields (:func:`_method_key`), a page's view by its filters, dataset and method (:func:`_view_key`), a table by
#: :func:`frame_digest`.
HASH_FUNCS = {nof.Dataset: _fingerprint, nof.Assessment: _fingerprint, nof.Method: _method_key, View: _view_key,
              pd.DataFrame: frame_digest}
_SHARED: set[str] = set()  # fingerprints of the datasets and assessments the shared tier has made


def _shielded(value):
    """What the shared tier hands a page: a new object over the same data, so that under pandas' copy-on-write a
    page that changes it changes its own copy, never the server's: a table or series shallow-copied, a dict copied,
    a dataclass (an assessment, a page's :mod:`ui.content`, the evidence inside it) rebuilt over shielded fields, a
    fingerprint kept. A method holds no tables and is handed out as it is."""
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy(deep=False)
    if isinstance(value, dict):
        return dict(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type | nof.Method):
        copy = dataclasses.replace(value, **{f.name: _shielded(getattr(value, f.name))
                                             for f in dataclasses.fields(value) if f.init})
        if isinstance(value, nof.Assessment | nof.Dataset):
            copy.__dict__["fingerprint"] = value.fingerprint  # the same content
        return copy
    return value


def shared(*args) -> bool:
    """Whether a call is about NHS England's data under NHS England's method (the same for every visitor): every
    dataset and assessment among ``args`` one the shared tier made, every method NHS England's, no edits. Strings
    (a dataset key) are not looked at: content decides."""
    for a in args:
        if isinstance(a, View) and not shared(a.dataset, a.method):
            return False
        if isinstance(a, nof.Method) and a != DEFAULT_METHOD:
            return False
        if isinstance(a, nof.Dataset | nof.Assessment) and a.fingerprint not in _SHARED:
            return False
        if isinstance(a, pd.DataFrame) and len(a):  # what-if edits
            return False
    return True


def _keep_fingerprint(value):
    """Work out a returned dataset's or assessment's fingerprint before it is cached, so that it is stored (and,
    in ``st.cache_data``, pickled) with it rather than worked out again on every page view."""
    if isinstance(value, nof.Dataset | nof.Assessment):
        _ = value.fingerprint
    return value


def cached(show_spinner: bool | str = False, shared_entries: int = SHARED_ENTRIES):
    """Cache a function in two tiers, chosen per call by :func:`shared`: ``st.cache_resource`` for NHS England's
    data and method (``shared_entries``), this session's own expiring ``st.cache_data`` for the rest.

    Every argument is part of the cache key, whatever its name (a leading underscore no longer leaves an argument
    out), datasets and assessments by fingerprint (:data:`HASH_FUNCS`). A first argument named ``key`` (the dataset
    key pages pass) is handed to the function but is not part of the cache key: content decides what is cached."""

    def wrap(fn):
        keyed = next(iter(inspect.signature(fn).parameters), None) == "key"
        if keyed:
            def run(_key, *args):  # "_key": Streamlit leaves it out of the cache key; *args all count
                return _keep_fingerprint(fn(_key, *args))
        else:
            def run(*args):
                return _keep_fingerprint(fn(*args))
        # Streamlit tells cached functions apart by module and qualified name (and source, which these share)
        run.__module__, run.__qualname__, run.__name__, run.__doc__ = (fn.__module__, fn.__qualname__,
                                                                       fn.__name__, fn.__doc__)
        everyone = st.cache_resource(run, show_spinner=show_spinner, max_entries=shared_entries,
                                     hash_funcs=HASH_FUNCS)
        session = st.cache_data(run, show_spinner=show_spinner, scope="session", ttl=SESSION_TTL,
                                max_entries=SESSION_ENTRIES, hash_funcs=HASH_FUNCS)

        @functools.wraps(fn)
        def call(*args):
            if shared(*(args[1:] if keyed else args)):
                value = everyone(*args)
                if isinstance(value, nof.Dataset | nof.Assessment):
                    _SHARED.add(value.fingerprint)
                return _shielded(value)
            return session(*args)

        return call

    return wrap


@st.cache_resource(show_spinner="Loading NHS England's files...")
def _default_dataset() -> nof.Dataset:
    # The bundled files are read without the pandera schema: the reader's own checks refuse everything the schema
    # would, and for these fixed files the schema changes nothing (the same fingerprint either way: see
    # tests/test_cache_identity.py). Importing pandera and validating took about 1 s of a fresh server's first view.
    from oversight._bundled import DEFAULT_FILES, DEFAULT_LEAGUE

    return _keep_fingerprint(nof.read_files([*DEFAULT_FILES, DEFAULT_LEAGUE], validate=False))


_FROZEN_AT = [0, 0]  # how many modules were loaded when objects were last frozen; how many freezes so far
MAX_FREEZES = 10  # per process: the app's pages import a few batches of modules; a test run imports many more
_FREEZE_LOCK = threading.Lock()


def _freeze_new_objects() -> None:
    """Move every object alive now out of the garbage collector's sight (``gc.freeze``), the first time and again
    whenever modules were imported since (a page's first visit may import scipy, statsmodels or vl-convert).

    Streamlit runs a full collection after every script run (``runner.postScriptGC``), which walks every tracked
    object in the process: about 140,000 here once the app is loaded, some 70 ms of server CPU per page view, more
    than most pages' own work. Frozen objects are still freed by reference counting as usual; only a reference
    cycle among them would stay: modules and the shared data are kept for the life of the server, and what else is
    alive at a freeze (the sessions' script runs) is small, held once per freeze, and freezes are few (one per
    batch of new imports, at most :data:`MAX_FREEZES` per process). Objects made later are collected as before."""
    loaded = len(sys.modules)
    if loaded <= _FROZEN_AT[0] or _FROZEN_AT[1] >= MAX_FREEZES:
        return
    with _FREEZE_LOCK:
        if loaded > _FROZEN_AT[0] and _FROZEN_AT[1] < MAX_FREEZES:
            _FROZEN_AT[:] = [loaded, _FROZEN_AT[1] + 1]
            gc.collect()
            gc.freeze()


def default_dataset() -> nof.Dataset:
    """NHS England's files as the app opens on them, read once per server."""
    dataset = _default_dataset()
    _SHARED.add(dataset.fingerprint)
    _freeze_new_objects()
    return _shielded(dataset)


def is_default(dataset: nof.Dataset) -> bool:
    """Whether ``dataset`` holds exactly NHS England's default files."""
    return dataset.fingerprint == _default_dataset().fingerprint


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
    """Read uploaded files (cached by their content key, the SHA-256 of their names and bytes, for this session
    only). Raises :class:`oversight.InputError`."""
    return _keep_fingerprint(nof.read_files(list(_files)))


@cached(show_spinner="Scoring...")
def assess(key: str, method: nof.Method, dataset: nof.Dataset) -> nof.Assessment:
    """The engine's assessment. Data other than the default borrows the cut points bracketed from the default files'
    published segments for quarters it has none of its own for (an upload of six trusts is banded as the official
    table was)."""
    return nof.assess(dataset, method, None if is_default(dataset) else default_dataset())


@cached(show_spinner="Scoring your edits...")
def assess_edited(key: str, method: nof.Method, dataset: nof.Dataset, edits: pd.DataFrame) -> nof.Assessment:
    """The assessment with what-if edits to some trust's metrics (``edits``, part of the cache key by content)."""
    return nof.assess(dataset, method, None if is_default(dataset) else default_dataset(), edits=edits)


@cached(show_spinner="Working out likely ranges...")
def _quarter_ranges(key: str, method: nof.Method, quarter: str, assessment: nof.Assessment) -> pd.DataFrame:
    return nof.likely_ranges(assessment, [quarter])


def ranges(key: str, method: nof.Method, quarters, assessment: nof.Assessment) -> pd.DataFrame:
    """Likely ranges (engine defaults: exact score ranges, 5,000 seeded replicates for ranks) for ``quarters``, one
    quarter at a time (a quarter's ranges do not depend on the others computed with it), each cached by the
    assessment's content and the quarter."""
    parts = [_quarter_ranges(key, method, q, assessment) for q in quarters]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=RANGE_COLUMNS)


@cached()
def improvement(key: str, method: nof.Method, quarter: str, assessment: nof.Assessment) -> pd.DataFrame:
    return nof.improvement_plan(assessment, quarter)


@cached()
def league(key: str, method: nof.Method, quarter: str, assessment: nof.Assessment) -> pd.DataFrame:
    """The AMR league table of a quarter (every trust type) with likely ranges and what moving up would take: the
    command line's :func:`oversight.league_table`."""
    return nof.league_table(assessment, quarter, ranges(key, method, (quarter,), assessment),
                            steps=improvement(key, method, quarter, assessment))


@cached()
def changes(key: str, method: nof.Method, quarter: str, previous: str | None, assessment) -> pd.DataFrame:
    """Who changed segment between ``previous`` and ``quarter``, against ``previous``'s likely ranges (no rows when
    ``previous`` is None)."""
    if previous is None:  # nothing to compare with: the empty table, without every quarter's changes and drivers
        return no_changes(assessment, quarter)
    out = nof.segment_changes(assessment, ranges(key, method, (previous,), assessment))
    return out[out["quarter"] == quarter]


def no_changes(assessment: nof.Assessment, quarter: str) -> pd.DataFrame:
    """The segment-changes table with no rows (its columns and types as :func:`oversight.segment_changes` gives
    them), from ``quarter``'s trusts alone: a quarter with nothing before it has no changes, and working out every
    other quarter's changes and their drivers to throw them away was about 0.3 s of a fresh server's first view."""
    one = dataclasses.replace(assessment, trusts=assessment.trusts[assessment.trusts["quarter"] == quarter],
                              scores=assessment.scores[assessment.scores["quarter"] == quarter])
    return nof.segment_changes(one).iloc[0:0].astype({"drivers": "str"})


@cached()
def hidden_problems(key: str, method: nof.Method, quarter: str, assessment) -> pd.DataFrame:
    """:func:`oversight.hidden_problems` of ``quarter``, with its ``quarter`` column (a view filters it as any other
    table)."""
    return nof.hidden_problems(assessment, ranges(key, method, (quarter,), assessment), quarter).assign(
        quarter=quarter)


@cached()
def volatility(key: str, method: nof.Method, assessment) -> pd.DataFrame:
    """Every quarter's segment and rank (the grid shows them all, so every quarter's ranges are needed)."""
    from oversight import insights

    return insights.volatility(assessment, ranges(key, method, tuple(assessment.cuts), assessment))


@cached(shared_entries=256)  # a trust and a quarter each: small, and every trust of the default data is asked for
def metric_spread(key: str, method: nof.Method, quarter: str, trust: str, assessment) -> pd.DataFrame:
    from oversight import insights

    return insights.metric_spread(assessment, quarter, trust)


@cached(show_spinner="Recomputing NHS England's published figures...")
def reproduction(key: str, dataset: nof.Dataset) -> nof.Reproduction:
    """What the engine reproduces of the published figures in the loaded files, with every summary row removed
    (ranges compared for the quarters a league table covers)."""
    method = nof.Method()
    quarters = tuple(sorted(set(dataset.league["quarter"])))
    return nof.reproduce(dataset, ranges=ranges(key, method, quarters, assess(key, method, dataset)))


@cached()
def domain_table(key: str, method: nof.Method, quarter: str, assessment) -> pd.DataFrame:
    from oversight import insights

    return insights.domain_table(assessment, quarter)


@cached()
def metric_trend(key: str, method: nof.Method, metric_id: str, trust_type: str, assessment) -> pd.DataFrame:
    from oversight import insights

    return insights.metric_trend(assessment, metric_id, trust_type)


@cached()
def compare_trusts(key: str, method: nof.Method, quarter: str, codes: tuple[str, ...], assessment) -> pd.DataFrame:
    from oversight import insights

    return insights.compare_trusts(assessment, league(key, method, quarter, assessment), quarter, codes)


@cached()
def metric_catalogue(key: str, method: nof.Method, assessment) -> pd.DataFrame:
    from oversight import insights

    return insights.metric_catalogue(assessment)


@cached()
def stale_scores(key: str, assessment) -> pd.DataFrame:
    """Scores in an upload that its raw values no longer support (a value changed, the score not)."""
    from oversight.checks import stale_scores as find

    return find(assessment.scores)


@st.cache_resource
def _template_example() -> pd.DataFrame:
    from oversight.io import template_example as build

    return build(default_dataset())


def template_example() -> pd.DataFrame:
    """A filled-in template built from the default data (six trusts, Q4)."""
    return _shielded(_template_example())


@st.cache_resource
def _trust_register() -> pd.DataFrame:
    return nof.trust_register()


def trust_register() -> pd.DataFrame:
    """NHS England's trust list (ODS), read once per server."""
    return _shielded(_trust_register())


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV for download, with spreadsheet formulas neutralised."""
    return nof.to_csv(frame).encode("utf-8")


def league_layout_csv(table: pd.DataFrame) -> bytes:
    """``table`` in NHS England's league-table layout, as CSV. For a download made when clicked: pass it with
    ``functools.partial``, not a lambda, which would keep the whole page's variables (the dataset among them) for as
    long as Streamlit keeps the button."""
    return csv_bytes(nof.league_layout(table))


@cached()
def _type_quarters(dataset: nof.Dataset) -> dict[str, list[str]]:
    from . import state

    return state.type_quarters(dataset)


def type_quarters(dataset: nof.Dataset) -> dict[str, list[str]]:
    """:func:`ui.state.type_quarters` (the quarters each trust type has data for), worked out once per dataset:
    it merges and de-duplicates every metric row, about 15 ms a page view when asked afresh (``View.
    previous_quarter`` does on the overview). A new dict of new lists, so a caller may change its own."""
    return {t: list(q) for t, q in _type_quarters(dataset).items()}


@cached()
def roster(dataset: nof.Dataset) -> pd.DataFrame:
    """Every loaded trust once: ``trust_code``, ``trust_type``, ``trust_subtype``, ``region`` (for the sidebar's
    filters, whatever columns the table being filtered has)."""
    columns = ["trust_code", "trust_type", "trust_subtype", "region"]
    frames = [f[columns] for f in (dataset.metrics, dataset.league) if len(f)]
    return pd.concat(frames).drop_duplicates("trust_code").reset_index(drop=True) if frames else pd.DataFrame(
        columns=columns)


@cached(shared_entries=256)  # a trust and a quarter each, as metric_spread
def trust_evidence(key: str, method: nof.Method, quarters, quarter: str, trust: str, assessment):
    """:func:`oversight.capability.trust_evidence` of ``trust`` in ``quarter``, with the likely ranges of
    ``quarters``, worked out once per trust and quarter (about 75 ms a rerun of the board capability page)."""
    from oversight import capability

    return capability.trust_evidence(assessment, ranges(key, method, tuple(quarters), assessment), quarter, trust)
