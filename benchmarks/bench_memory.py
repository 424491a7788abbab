"""Server memory after many different uploads, each in its own session that then ends.

Starts a real `streamlit run` of the app on a free port (127.0.0.1 only), and drives Debian's Chromium with
Playwright: one page view of the overview (the baseline), then ``--uploads`` times a new browser context (a new
session) that opens the Upload page, uploads a different fictional acute data file (``tests/synthetic.py``, a new
seed each time; 1,300 trusts in four quarters is 48 MB), waits for its ranking, opens the AMR league table on it, and
closes the context (the session's websocket goes, and with it the session's own cache). After each close the
server's resident memory (VmRSS in /proc/PID/status) is read, once the server has been quiet for ``--pause``
seconds. At the end the script waits past ``server.disconnectedSessionTTL`` (Streamlit keeps a closed session's
state that long in case it reconnects), opens one more page and reads it again.

Every figure is compared with the baseline of the same run (a difference in MB and a ratio), never with a fixed
number. Not collected by pytest (``testpaths = ["tests"]``).

    python benchmarks/bench_memory.py                       # 20 uploads of 1,300 trusts (about 10 minutes)
    python benchmarks/bench_memory.py --uploads 5 --trusts 300 --app /path/to/another/checkout
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import synthetic  # noqa: E402
from tests.browser_helpers import CHROMIUM, CHROMIUM_ARGS, open_page, settle, streamlit_process  # noqa: E402


def rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` in MB, from /proc (psutil is not installed)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def write_uploads(folder: Path, count: int, trusts: int) -> list[Path]:
    """``count`` different fictional acute data files (different seeds) of ``trusts`` trusts in four quarters."""
    paths = []
    for i in range(count):
        path = folder / f"acute-{trusts}-trusts-seed-{1000 + i}.csv"
        path.write_bytes(synthetic.to_csv_bytes(synthetic.acute_data(trusts, seed=1000 + i)))
        paths.append(path)
    return paths


def one_session(browser, url: str, path: Path) -> None:
    """A new session: upload ``path``, see its ranking, open the AMR page on it, close."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    context.set_default_timeout(120_000)
    page = context.new_page()
    try:
        open_page(page, url + "/Upload")
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
        page.get_by_text("Ranking of your upload").wait_for(timeout=180_000)
        settle(page, timeout=180)
        page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"]').filter(
            has_text="AMR league table").locator("a").click()
        page.get_by_text("Likely range of rank").wait_for(timeout=180_000)
        settle(page, timeout=180)
        if page.locator('[data-testid="stException"]').count():
            raise RuntimeError(f"{path.name}: the app showed an exception")
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--trusts", type=int, default=1_300, help="trusts per upload (1,300: a 48 MB file)")
    parser.add_argument("--pause", type=float, default=3.0, help="seconds of quiet before each reading")
    parser.add_argument("--app", type=Path, default=ROOT, help="the checkout to run (default: this one)")
    parser.add_argument("--session-ttl", type=int, default=120,
                        help="server.disconnectedSessionTTL to run with (Streamlit's default: 120 s)")
    parser.add_argument("--json", type=Path, help="also write every reading here")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        paths = write_uploads(Path(tmp), args.uploads, args.trusts)
        size = sum(p.stat().st_size for p in paths) / len(paths) / 1024 / 1024
        print(f"{len(paths)} files of {args.trusts:,} trusts x 4 quarters, {size:.1f} MB each, written in "
              f"{time.monotonic() - started:.0f} s", flush=True)
        extra = ("--server.disconnectedSessionTTL", str(args.session_ttl))
        with streamlit_process(app_dir=args.app, extra_args=extra) as (url, proc), sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context()
            open_page(context.new_page(), url + "/")
            context.close()
            time.sleep(args.pause)
            baseline = rss_mb(proc.pid)
            print(f"baseline after the first page view: {baseline:,.0f} MB", flush=True)
            rows = [("baseline (one page view)", baseline)]
            for i, path in enumerate(paths, 1):
                t0 = time.monotonic()
                one_session(browser, url, path)
                time.sleep(args.pause)
                rows.append((f"after upload {i} (session closed)", rss_mb(proc.pid)))
                print(f"upload {i:2d}: {rows[-1][1]:,.0f} MB ({time.monotonic() - t0:.0f} s)", flush=True)
            time.sleep(args.session_ttl + 10)
            context = browser.new_context()
            open_page(context.new_page(), url + "/")
            context.close()
            time.sleep(args.pause)
            rows.append((f"{args.session_ttl + 10} s later, after one more page view", rss_mb(proc.pid)))
            browser.close()

    print(f"\napp: {args.app}; {args.uploads} uploads of {size:.1f} MB; server.disconnectedSessionTTL "
          f"{args.session_ttl} s\n")
    print("| reading | server RSS | minus baseline | ratio to baseline |")
    print("| --- | ---: | ---: | ---: |")
    for label, value in rows:
        print(f"| {label} | {value:,.0f} MB | {value - baseline:+,.0f} MB | {value / baseline:.2f}x |")
    peak = max(v for _, v in rows)
    print(f"\npeak {peak:,.0f} MB ({peak / baseline:.2f}x the baseline); end {rows[-1][1]:,.0f} MB "
          f"({rows[-1][1] / baseline:.2f}x)")
    if args.json:
        args.json.write_text(json.dumps({"app": str(args.app), "uploads": args.uploads, "trusts": args.trusts,
                                         "file_mb": size, "readings": rows}, indent=2))


if __name__ == "__main__":
    main()
