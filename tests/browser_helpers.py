"""Helpers for the browser test: run `streamlit run` on a free port, and wait for Streamlit's reruns to settle.

Kept apart from the test so the test reads as a list of what a user sees. Nothing here downloads a browser: the test
drives Debian's Chromium at CHROMIUM.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1440, "height": 1000}
MAX_SCREENSHOT_HEIGHT = 12000

BUSY = '[data-testid="stStatusWidget"], [data-testid="stSkeleton"], [data-testid="stSpinner"]'
MAIN = '[data-testid="stMain"]'


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def streamlit_process(timeout: float = 60, app_dir: Path = ROOT, extra_args: tuple[str, ...] = (),
                      port: int | None = None):
    """Run the app in ``app_dir`` with `streamlit run` on ``port`` (default: a free one); yield (base URL, the
    server's Popen) as soon as it answers its health check; always stop it (terminate, then kill). What the server
    prints is in :func:`server_output`."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.headless", "true",
             "--browser.gatherUsageStats", "false", "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.fileWatcherType", "none", *extra_args],
            cwd=app_dir, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        proc.output_file = log
        try:
            deadline = time.monotonic() + timeout
            while not _healthy(url):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not answer on {url}/_stcore/health "
                                       f"(exit code {proc.poll()}):\n{server_output(proc)[-3000:]}")
                time.sleep(0.05)
            yield url, proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def server_output(proc) -> str:
    """What the server of :func:`streamlit_process` has printed so far (stdout and stderr). Read at an offset, so
    the server's own writes, which share the file's position, carry on at the end."""
    fd = proc.output_file.fileno()
    return os.pread(fd, os.fstat(fd).st_size, 0).decode(errors="replace")


def wait_for_output(proc, text: str, timeout: float = 120) -> str:
    """Wait until the server of :func:`streamlit_process` has printed ``text``; return all it printed. Fails if the
    server stops or ``timeout`` seconds pass first."""
    deadline = time.monotonic() + timeout
    while text not in (output := server_output(proc)):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the server did not print {text!r} (exit code {proc.poll()}):\n{output[-3000:]}")
        time.sleep(0.05)
    return output


@contextlib.contextmanager
def streamlit_server(timeout: float = 60):
    """Run the app with `streamlit run` on a free port; yield its base URL."""
    with streamlit_process(timeout) as (url, _):
        yield url


def settle(page, quiet: float = 2.0, timeout: float = 60) -> None:
    """Wait until Streamlit has finished running: no status widget, skeleton or spinner for ``quiet`` seconds."""
    deadline = time.monotonic() + timeout
    quiet_since = None
    while time.monotonic() < deadline:
        busy = page.locator(BUSY).count()
        now = time.monotonic()
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        elif now - quiet_since >= quiet:
            return
        page.wait_for_timeout(250)
    raise TimeoutError(f"Streamlit still running after {timeout:.0f} s on {page.url}")


def open_page(page, url: str) -> None:
    """Go to ``url`` at the normal viewport size and wait for the app to finish its run."""
    page.set_viewport_size(VIEWPORT)
    page.goto(url)
    page.wait_for_selector('[data-testid="stSidebar"]', timeout=30_000)
    page.wait_for_selector(MAIN, timeout=30_000)
    settle(page)


def full_screenshot(page, path: Path) -> None:
    """Grow the viewport to the main container's scroll height (Streamlit scrolls inside it, so a plain full-page
    screenshot shows only the first screen), then save a full screenshot."""
    height = page.evaluate(f"""() => {{
        const m = document.querySelector('{MAIN}') || document.querySelector('section.main');
        return m ? m.scrollHeight : 2000; }}""")
    page.set_viewport_size({"width": VIEWPORT["width"],
                            "height": min(max(VIEWPORT["height"], height + 50), MAX_SCREENSHOT_HEIGHT)})
    page.wait_for_timeout(500)
    settle(page, quiet=1.0)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(VIEWPORT)


def screenshot_dir() -> Path:
    return Path(os.environ.get("SCREENSHOT_DIR") or ROOT / "screenshots")
