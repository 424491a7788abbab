"""Free what closed sessions left behind, which Streamlit 1.67 does not.

When a browser tab closes, Streamlit keeps the session for ``server.disconnectedSessionTTL`` seconds in case it
reconnects, and then drops it without shutting it down (streamlit/streamlit#12506). Shutting down is what frees the
session's entries in the server-wide stores keyed by session id: the files its uploader received, the bytes and
deferred callables behind its download buttons, and the tables it registered as data sources. So each closed session
kept them for the life of the server (benchmarks/bench_memory.py: 3.8 GB after 20 uploads of 46 MB).

:func:`sweep` does that part of the shut-down for every session id that those stores hold and the session manager no
longer knows, lets go of uploads no remaining session has used (``ui.data``), then collects garbage (what a closed
session held sits in reference cycles) and hands the freed heap back to the operating system. Every page calls it
(through ``ui.page_setup``); it runs at most once a minute. It reaches into Streamlit's internals, so anything
unexpected there makes it do nothing rather than fail a page.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import threading
import time

from . import data

SWEEP_EVERY = 60.0  # seconds between sweeps
_lock = threading.Lock()
_last = [float("-inf")]
_LOG = logging.getLogger(__name__)


def _give_back_memory() -> None:
    """Collect garbage, then ask glibc to return the freed heap to the operating system (a closed session's
    frames are freed in many pieces that would otherwise stay in the process); elsewhere only collect."""
    gc.collect()
    libc = ctypes.util.find_library("c")
    trim = getattr(ctypes.CDLL(libc), "malloc_trim", None) if libc else None
    if trim is not None:
        trim(0)


def _runtime():
    from streamlit.runtime import Runtime

    return Runtime.instance() if Runtime.exists() else None


def known_sessions(runtime) -> set[str]:
    """The sessions the server still has: open, or closed but still able to reconnect."""
    return {info.session.id for info in runtime._session_mgr.list_sessions()}


def stale_sessions(runtime, known: set[str]) -> set[str]:
    """Session ids the server-wide stores hold that are not ``known`` (closed, and past their reconnect time)."""
    held = (set(runtime.media_file_mgr._files_by_session_and_coord)
            | set(runtime.uploaded_file_mgr.file_storage)
            | set(runtime.dataframe_source_mgr._sources_by_session_and_coord))
    return held - known


def sweep(now: float | None = None) -> set[str]:
    """Free the stores' entries of sessions Streamlit has dropped; returns their ids (empty when it did not run)."""
    now = time.monotonic() if now is None else now
    with _lock:
        if now - _last[0] < SWEEP_EVERY:
            return set()
        _last[0] = now
        try:
            runtime = _runtime()
            if runtime is None:
                return set()
            known = known_sessions(runtime)
            stale = stale_sessions(runtime, known)
            released = data.release_uploads(known)
            for session_id in stale:
                runtime.media_file_mgr.clear_session_refs(session_id)
                runtime.uploaded_file_mgr.remove_session_files(session_id)
                runtime.dataframe_source_mgr.clear_all_for_session(session_id)
            if stale or released:
                runtime.media_file_mgr.remove_orphaned_files()
                _give_back_memory()
            return stale
        except (AttributeError, TypeError, KeyError, RuntimeError, OSError) as err:  # Streamlit's internals changed
            _LOG.warning("ui.janitor could not sweep closed sessions: %r", err)
            return set()
