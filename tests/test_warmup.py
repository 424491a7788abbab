"""The server's warm-up (warmup.py): a fresh server works out the overview's default view before its first visitor.

No timing here (benchmarks/bench_server.py measures what it saves). What is held: the warm-up fills everything the
overview's first view would compute; a failing warm-up is logged and raises nothing, and a server whose warm-up
fails serves the app as before; `streamlit run streamlit_app.py` (the README's command) serves the app through it,
with the log saying it ran.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import threading
import urllib.request
from pathlib import Path

import pytest
import streamlit as st

import oversight
import warmup
from tests.apptest_helpers import open_app
from tests.browser_helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    open_page,
    server_output,
    streamlit_process,
    wait_for_output,
)

OVERVIEW_TEXTS = ["NHS Oversight Framework: overview", "Trusts per segment", "Top ten", "Strong overall"]
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium is not installed at {CHROMIUM} "
                                    "(Debian package 'chromium'); the browser test never downloads a browser")


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def lines(self) -> list[str]:
        return [self.format(r) for r in self.records]


@pytest.fixture
def warmup_log():
    """What warmup.py logs (Streamlit's loggers do not propagate, so caplog would not see it)."""
    handler = _Records()
    logger = logging.getLogger(warmup.__name__)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def test_after_the_warm_up_the_overview_computes_nothing_of_its_own(monkeypatch, warmup_log):
    st.cache_resource.clear()  # the shared tier as a fresh server has it: empty
    assert warmup.run()
    assert any(line.startswith(warmup.DONE) for line in warmup_log.lines()), warmup_log.lines()

    def again(*args, **kwargs):
        raise AssertionError("the first view worked this out again after the warm-up")

    for name in ("read_files", "assess", "likely_ranges", "segment_changes", "hidden_problems"):
        monkeypatch.setattr(oversight, name, again)
    at = open_app()  # a first visitor, no link: the default view
    assert not at.exception, at.exception
    assert at.title[0].value == OVERVIEW_TEXTS[0]
    assert at.metric[0].label == "Trusts" and int(at.metric[0].value) > 0


def test_a_failing_warm_up_is_logged_and_raises_nothing(monkeypatch, warmup_log):
    def broken():
        raise RuntimeError("the files could not be read today")

    monkeypatch.setattr(warmup, "warm", broken)
    assert warmup.run() is False
    failed = [line for line in warmup_log.lines() if line.startswith(warmup.FAILED)]
    assert failed and "the files could not be read today" in failed[0]  # with its traceback


def test_the_lifespan_runs_the_warm_up_in_the_background(monkeypatch, warmup_log):
    started, go_on, threads = threading.Event(), threading.Event(), []

    def slow():
        threads.append(threading.current_thread())
        started.set()
        assert go_on.wait(30)
        raise RuntimeError("failed after the server started serving")

    monkeypatch.setattr(warmup, "warm", slow)

    async def serve() -> None:
        async with warmup.lifespan(None):  # the server serves from here on, while the warm-up runs
            assert started.wait(30)
            go_on.set()

    asyncio.run(serve())
    (thread,) = threads
    thread.join(30)
    assert thread.name == warmup.THREAD and thread is not threading.main_thread() and not thread.is_alive()
    assert any(line.startswith(warmup.FAILED) for line in warmup_log.lines())


def _overview_in_chromium(url: str) -> str:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = chromium.new_page()
            open_page(page, url + "/")
            assert not page.locator('[data-testid="stException"]').count()
            return page.locator('[data-testid="stMain"]').inner_text()
        finally:
            chromium.close()


@pytest.mark.browser
@needs_chromium
def test_streamlit_run_serves_the_app_with_its_warm_up():
    with streamlit_process() as (url, proc):  # from the moment it answers its health check
        text = _overview_in_chromium(url)  # a first visitor who comes at once, most likely while the warm-up runs
        wait_for_output(proc, warmup.DONE)
        with urllib.request.urlopen(url + "/_stcore/health", timeout=10) as response:
            assert response.read() == b"ok"
        output = server_output(proc)
    assert warmup.FAILED not in output
    assert "missing ScriptRunContext" not in output  # the warm-up's thread has none, by design, and says nothing
    assert "No runtime found" not in output  # the caches were made with the server's runtime
    for expected in OVERVIEW_TEXTS:
        assert expected in text


@pytest.mark.browser
@needs_chromium
def test_a_server_whose_warm_up_fails_serves_the_app_as_before(tmp_path):
    app = tmp_path / "app"
    keep = shutil.ignore_patterns("__pycache__")
    for name in ("oversight", "ui", "pages", "data", ".streamlit"):
        shutil.copytree(ROOT / name, app / name, ignore=keep)
    for name in ("streamlit_app.py", "warmup.py"):
        shutil.copy2(ROOT / name, app / name)
    with (app / "warmup.py").open("a") as source:
        source.write("\n\ndef warm():\n    raise RuntimeError('a warm-up that fails, for the test')\n")
    with streamlit_process(app_dir=app) as (url, proc):
        wait_for_output(proc, warmup.FAILED)
        text = _overview_in_chromium(url)
        with urllib.request.urlopen(url + "/_stcore/health", timeout=10) as response:
            assert response.read() == b"ok"
        output = server_output(proc)
    assert "a warm-up that fails, for the test" in output
    for expected in OVERVIEW_TEXTS:
        assert expected in text
