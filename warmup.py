"""A fresh server works out the overview's first view once, when it starts, instead of its first visitor.

Without this, the first visitor of a fresh server paid for importing pandas, pyarrow and Altair, reading NHS
England's files, assessing every quarter and working out the current quarter's likely ranges: 1.1 to 1.9 s of server
CPU against about 0.09 s for a warm view of the same page (benchmarks/README.md, "First view").

How it runs: ``streamlit run streamlit_app.py`` finds ``app`` (an ``st.App``) in the script and serves it through
Streamlit's ASGI server. :func:`lifespan`, its start-up hook, runs once Streamlit's runtime has started and starts
:func:`run` in a background thread, so the server answers at once. :func:`run` imports what the pages import and
calls the cached ``ui.data`` functions that the overview's default view calls (NHS England's data under NHS England's
method, the trust type and quarter the sidebar opens on, that quarter's likely ranges), with the same arguments, so
the shared cache entries (``st.cache_resource``) a first view reads are already there.

Nothing a page shows changes: a page asks the same functions the same questions and finds the answers computed. A
visitor who arrives while the warm-up runs waits on Streamlit's lock for the entry being computed and then reads it
(no entry is computed twice). A failure is logged and leaves the work to the first visitor, as before; it never
stops the server. The log says when it has finished (:data:`DONE`), for the benchmark and the tests.

This is its own module rather than part of ``ui``: ``streamlit run`` imports streamlit_app.py, and so this module,
before the server answers anyone and before Streamlit's runtime exists, and importing anything in ``ui`` imports the
whole package (pandas, Altair) and defines its caches. Here that happens in the warm-up's thread, once the runtime is
there.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import logging
import threading
import time
from pathlib import Path

from streamlit.logger import get_logger

ROOT = Path(__file__).resolve().parent
DONE = "Warm-up done"  # how the log line saying it finished starts
FAILED = "Warm-up failed"  # how the log line saying it failed starts (the traceback follows)
THREAD = "warm-up"  # the warm-up thread's name
_LOG = get_logger(__name__)


class _NoContextNote(logging.Filter):
    """Drops Streamlit's note that the warm-up's thread has no script run ("missing ScriptRunContext"), which its
    cached functions' spinners log: this thread has none by design, and the note would only alarm whoever reads
    the log. Other threads' notes are kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.threadName == THREAD and "missing ScriptRunContext" in record.getMessage())


@contextlib.asynccontextmanager
async def lifespan(_app):
    """The start-up hook of ``app`` in streamlit_app.py: start :func:`run` in the background, then serve."""
    threading.Thread(target=run, name=THREAD, daemon=True).start()
    yield


def run() -> bool:
    """Warm the caches of the overview's default view (:func:`warm`) and log how long it took; log a failure instead
    of raising it. Returns whether it succeeded."""
    wall, cpu = time.perf_counter(), time.thread_time()
    note = get_logger("streamlit.runtime.scriptrunner_utils.script_run_context")
    quiet = _NoContextNote()
    note.addFilter(quiet)
    try:
        done = warm()
    except Exception:  # whatever it was, the first visitor does this work instead, as without a warm-up
        _LOG.exception("%s: the first view of the overview will do this work instead", FAILED)
        return False
    finally:
        note.removeFilter(quiet)
    _LOG.info("%s in %.2f s (%.2f s of CPU): %s", DONE, time.perf_counter() - wall, time.thread_time() - cpu, done)
    return True


#: What Streamlit 1.67 imports only once a page is drawn (seen by watching ``sys.modules`` through a first view after
#: the warm-up): Pillow for the page icon, the Material icon names, the lazy dataframe adapters, magic's helpers and
#: the agent-skills detection. A module another Streamlit does not have is skipped.
STREAMLIT_LAZY_IMPORTS = ("PIL.Image", "PIL.ImageFile", "streamlit.material_icon_names",
                          "streamlit.dataframe.lazy_df_adapters", "streamlit.runtime.scriptrunner.magic_funcs",
                          "streamlit.web.skills")


def page_scripts() -> list[Path]:
    """The app's page scripts: the overview and every page in ``pages/``."""
    return [ROOT / "streamlit_app.py", *sorted((ROOT / "pages").glob("*.py"))]


def import_what_pages_import(scripts) -> None:
    """Run every import statement in ``scripts`` (read from their source, wherever it sits in the script), so that
    what the pages import is imported now, as the pages' own statements would import it."""
    for script in scripts:
        tree = ast.parse(script.read_text(encoding="utf-8"), str(script))
        imports = [node for node in ast.walk(tree) if isinstance(node, ast.Import)
                   or isinstance(node, ast.ImportFrom) and not node.level]  # relative imports: none in a page
        exec(compile(ast.Module(body=imports, type_ignores=[]), str(script), "exec"), {"__name__": __name__})


def warm() -> str:
    """Import what the pages import, then call what the overview's default view calls, as it calls it (the
    sidebar's choices as ``ui.sidebar.sidebar`` makes them for a visitor with no link: NHS England's data, the acute
    trusts if loaded, their latest quarter, no region, no highlighted trust). Returns what it warmed, in words."""
    import_what_pages_import(page_scripts())
    for name in STREAMLIT_LAZY_IMPORTS:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    import streamlit as st

    import oversight as nof
    from ui import content, data, show, state

    sidebar = importlib.import_module("ui.sidebar")  # the module: ``ui.sidebar`` is also the function ui exports

    dataset = data.default_dataset()
    by_type = data.type_quarters(dataset)
    trust_type = nof.catalogue.ACUTE if nof.catalogue.ACUTE in by_type else next(iter(by_type))
    quarter = by_type[trust_type][-1]
    sidebar._regions(data.DEFAULT_KEY, dataset, quarter, trust_type)
    sidebar._trust_names(data.DEFAULT_KEY, dataset, quarter, trust_type, False)
    view = state.View(data.DEFAULT_KEY, dataset, data.DEFAULT_LABEL, quarter, trust_type, False, None)

    # streamlit_app.py, top to bottom: its content (the quarter's likely ranges among it), the chart's spec and the
    # tables as ui.show sends them
    result = data.assess(view.key, view.method, view.dataset)
    overview = content.overview(view, result)
    show._shown_spec("segment_bars", show.chart_rows(overview.counts)[0])
    for table in (overview.top, overview.bottom, overview.counts):
        show._shown(table)

    # Streamlit's first element in a process looks for a REPL to warn (inspect.stack(), and inspect.getmodule over
    # every loaded module: 0.05 to 0.15 s), whichever session it is in; an element made here, in no session, goes
    # nowhere.
    st.empty()
    data.default_dataset()  # which freezes what is alive now out of the collector's sight, if modules were imported
    return f"the overview's default view ({trust_type.lower()}s, {quarter}, NHS England's data) is cached"
