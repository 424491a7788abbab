"""Server CPU per page view: a real `streamlit run` of the app, real Chromium tabs (Playwright), warm caches.

Run from the repository (the virtualenv active)::

    python benchmarks/bench_server.py                 # 5 timed views of each page after one warm-up each
    python benchmarks/bench_server.py --views 9 --json server.json --app /path/to/another/checkout
    python benchmarks/bench_server.py --skip-pages --fresh 5       # the first view only, five rounds

What it measures, in one run:

* **CPU per page view, warm caches.** The server's own CPU time (user + system of the ``streamlit run`` process and
  all its threads, from /proc/PID/stat) while a new tab of one browser (a new Streamlit session; the front end's
  files come from the browser's cache, as they do for anyone's second page) opens a page and the app finishes
  drawing it (no status widget, skeleton or spinner for a second). Every page of
  ``ui.sidebar.PAGES`` is opened once first to warm the server's caches, then ``--views`` times, the pages taken in
  turn (page 1, page 2, ..., page 1, ...) so that drift in the machine's load falls on all alike. The trust
  profile and board capability pages open with trust RWX highlighted (``?trust=RWX``), so they draw a trust.
  Aim: at most 0.15 s per view, for every page, on the default data. These are taken on a server of their own,
  once its warm-up has finished.
* **First view on a fresh server.** A server is started on a port and the overview opened once (so the browser holds
  the front end's files, as a returning visitor's does), then stopped. Then ``--fresh`` rounds of two fresh servers
  on the same port, each timing the first tab that opens the overview (server CPU, and wall clock from the request
  to a quiet page), then ``--views`` more views of the overview on the same, now warm, server:

  (a) **opened as soon as the health check answers**, while the server's warm-up (warmup.py) is still running:
  the server's CPU in that time includes whatever of the warm-up is left;
  (b) **opened after the warm-up has finished**: the server's log says so (``warmup.DONE``).

  Aim: the first view at most 1.5x the median warm view (all rounds' warm views together), in CPU and in wall time;
  the medians over the rounds are compared. Both servers of a round are left to finish their warm-up before their
  warm views, and the benchmark fails if a warm-up fails. A checkout without warmup.py gets case (a) only.
* For information, three views of the overview from browsers with an empty HTTP cache (the front end's files are
  sent and compressed too).

The CPU figure is the server's, not the browser's: Chromium runs in other processes. /proc counts CPU in clock
ticks (usually 10 ms), so medians of several views are quoted. The server is quiet between views (the benchmark
waits for it), so little else lands in a view's figure; what does (websocket pings, the janitor's sweep once a
minute) is small and falls on every page alike. Not collected by pytest (``testpaths = ["tests"]``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser_helpers import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORT,
    free_port,
    server_output,
    settle,
    streamlit_process,
)
from warmup import DONE, FAILED  # noqa: E402

AIM_CPU = 0.15  # seconds of server CPU per page view
AIM_FIRST = 1.5  # first view on a fresh server, as a multiple of a warm view of the same page
TRUST = "RWX"  # highlighted on the pages that show one trust
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` and all its threads so far (fields 14 and 15 of /proc/PID/stat;
    the command name, field 2, may hold spaces, so fields are counted after its closing parenthesis)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def write_bytecode(app: Path) -> None:
    """Let the servers keep compiled bytecode beside the app's modules, as a user's Python does (some machines set
    PYTHONDONTWRITEBYTECODE, which would make every fresh server compile the app from source), and compile the app
    now, so a fresh server pays what it pays after any earlier start. ``__pycache__`` is in .gitignore."""
    import compileall

    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.dont_write_bytecode = False
    for folder in ("oversight", "ui", "pages"):
        compileall.compile_dir(app / folder, quiet=1)
    for script in ("streamlit_app.py", "warmup.py"):
        if (app / script).is_file():
            compileall.compile_file(app / script, quiet=1)


def page_paths(app: Path) -> list[tuple[str, str]]:
    """(label, URL path) of every page in the shared sidebar's list (``ui.sidebar.PAGES``, read from the source so
    this process imports no Streamlit page code), as Streamlit serves ``pages/``."""
    import ast

    tree = ast.parse((app / "ui" / "sidebar.py").read_text())
    listed = next(ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)
                  and any(getattr(t, "id", None) == "PAGES" for t in node.targets))
    out = []
    for path, label, _ in listed:
        url = "/" if path == "streamlit_app.py" else "/" + Path(path).stem.split("_", 1)[1]
        if label in ("Trust profile", "Board capability"):
            url += f"?trust={TRUST}"
        out.append((label, url))
    return out


def view(browser, url: str, pid: int, quiet: float) -> tuple[float, float]:
    """Open ``url`` in a new tab (a new Streamlit session) of ``browser`` (a Playwright browser context) and wait
    for the app to finish; close the tab; return (server CPU s, wall s)."""
    page = browser.new_page()
    try:
        cpu0, wall0 = cpu_seconds(pid), time.perf_counter()
        page.goto(url)
        page.wait_for_selector('[data-testid="stSidebar"]')
        page.wait_for_selector('[data-testid="stMain"]')
        settle(page, quiet=quiet, timeout=180)
        # the quiet wait is idle time; the app's run ended when it began
        cpu1, wall1 = cpu_seconds(pid), time.perf_counter() - quiet
        if page.locator('[data-testid="stException"]').count():
            raise SystemExit(f"{url}: the app showed an exception")
    finally:
        page.close()
    return cpu1 - cpu0, wall1 - wall0


def new_browser(chromium):
    context = chromium.new_context(viewport=VIEWPORT)
    context.set_default_timeout(120_000)
    return context


def has_warmup(app: Path) -> bool:
    return (app / "warmup.py").is_file()


def warmed_up(proc, timeout: float = 180) -> dict:
    """Wait for the server's warm-up to finish; return its own figures from the log line (``warmup.DONE`` in X s
    (Y s of CPU)). Fails if it failed."""
    deadline = time.monotonic() + timeout
    while DONE not in (output := server_output(proc)):
        if FAILED in output or proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the server's warm-up did not finish:\n{output[-3000:]}")
        time.sleep(0.05)
    found = re.search(re.escape(DONE) + r" in ([0-9.]+) s \(([0-9.]+) s of CPU\)", output)
    return {"wall_s": float(found[1]), "cpu_s": float(found[2])} if found else {}


@contextlib.contextmanager
def serve(app: Path, port: int, timeout: float = 60):
    """``streamlit run`` of ``app`` on 127.0.0.1:``port`` (the same port each time, so the browser's cache of the
    front end's files serves every server); yields (base URL, Popen) once its warm-up has finished and a second
    after; always stops it."""
    with streamlit_process(timeout, app_dir=app, port=port) as (url, proc):
        if has_warmup(app):
            warmed_up(proc)
        time.sleep(1.0)  # let the server finish starting up before counting
        yield url, proc


def first_views(context, app: Path, port: int, rounds: int, views: int, quiet: float) -> dict:
    """``rounds`` rounds of fresh servers, each timing its first view of the overview, then ``views`` warm ones:
    (a) opened as soon as the health check answers, (b) opened once the warm-up has finished (if ``app`` has one)."""
    cases = ["on_health", "after_warmup"] if has_warmup(app) else ["on_health"]
    out: dict = {case: {"cpu_s": [], "wall_s": []} for case in cases}
    out |= {"warm_cpu_s": [], "warm_wall_s": [], "warmup": []}
    for i in range(rounds):
        for case in cases if i % 2 == 0 else cases[::-1]:  # alternate which goes first, so drift falls on both
            with streamlit_process(60, app_dir=app, port=port) as (base, proc):
                if case == "after_warmup":
                    out["warmup"].append(warmed_up(proc))
                cpu, wall = view(context, base + "/", proc.pid, quiet)
                out[case]["cpu_s"].append(cpu)
                out[case]["wall_s"].append(wall)
                if has_warmup(app):
                    warmed_up(proc)  # (a) too: a warm view then is warm
                for _ in range(views):
                    cpu, wall = view(context, base + "/", proc.pid, quiet)
                    out["warm_cpu_s"].append(cpu)
                    out["warm_wall_s"].append(wall)
            print(f"  round {i + 1}, {case}: first view CPU {out[case]['cpu_s'][-1]:.2f} s, "
                  f"wall {out[case]['wall_s'][-1]:.2f} s", flush=True)
    warm_cpu, warm_wall = statistics.median(out["warm_cpu_s"]), statistics.median(out["warm_wall_s"])
    out |= {"warm_cpu_median_s": warm_cpu, "warm_wall_median_s": warm_wall}
    for case in cases:
        r = out[case]
        r |= {"cpu_median_s": statistics.median(r["cpu_s"]), "wall_median_s": statistics.median(r["wall_s"])}
        r |= {"cpu_ratio": r["cpu_median_s"] / warm_cpu, "wall_ratio": r["wall_median_s"] / warm_wall}
    return out


FIRST_CASES = {"on_health": "opened as soon as the health check answers",
               "after_warmup": "opened after the warm-up finished"}


def warm_views(context, base: str, pid: int, pages, views: int, quiet: float) -> dict:
    for _label, path in pages:  # warm the server's caches (and the browser's): each page once
        view(context, base + path, pid, quiet)
    results = {label: {"cpu_s": [], "wall_s": []} for label, _ in pages}
    for _ in range(views):
        for label, path in pages:
            cpu, wall = view(context, base + path, pid, quiet)
            results[label]["cpu_s"].append(cpu)
            results[label]["wall_s"].append(wall)
    for r in results.values():
        r["cpu_median_s"] = statistics.median(r["cpu_s"])
        r["wall_median_s"] = statistics.median(r["wall_s"])
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--views", type=int, default=5, help="timed views of each page (default 5)")
    parser.add_argument("--quiet", type=float, default=1.0, help="seconds without a status widget that mean done")
    parser.add_argument("--app", type=Path, default=ROOT, help="the checkout to run (default: this one)")
    parser.add_argument("--fresh", type=int, default=3, help="rounds of fresh servers for the first view (default 3)")
    parser.add_argument("--skip-first", action="store_true", help="leave out the fresh-server first view")
    parser.add_argument("--skip-pages", action="store_true", help="leave out the warm views of every page")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    args = parser.parse_args(argv)
    if args.views < 1 or args.fresh < 1:
        parser.error("--views and --fresh must be at least 1")
    from playwright.sync_api import sync_playwright

    pages = page_paths(args.app)
    write_bytecode(args.app)
    results: dict = {"date": time.strftime("%Y-%m-%d"), "app": str(args.app), "views": args.views,
                     "cpus": os.cpu_count(), "clock_tick_s": 1 / TICK}
    print(f"server benchmark: {args.app}; {args.views} views of each of {len(pages)} pages after a warm-up; "
          f"{os.cpu_count()} CPUs; CPU counted in {1000 / TICK:.0f} ms ticks", flush=True)
    port = free_port()
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = new_browser(chromium)
        try:
            if not args.skip_first:
                # a first server on the port, so that the browser holds the front end's files as a returning
                # visitor's does (same address, same Streamlit): the first view then counts the app's work only
                with serve(args.app, port) as (base, proc):
                    view(context, base + "/", proc.pid, args.quiet)
                print(f"\nfirst view of the overview on a fresh server, {args.fresh} rounds:", flush=True)
                first = results["first_view"] = first_views(context, args.app, port, args.fresh, args.views,
                                                             args.quiet)
                for case, words in FIRST_CASES.items():
                    if case in first:
                        f = first[case]
                        print(f"  {words}: CPU {f['cpu_median_s']:.2f} s, wall {f['wall_median_s']:.2f} s "
                              f"(medians): {f['cpu_ratio']:.1f}x CPU, {f['wall_ratio']:.1f}x wall of a warm view "
                              f"(CPU {first['warm_cpu_median_s']:.3f} s, wall {first['warm_wall_median_s']:.2f} s; "
                              f"aim: at most {AIM_FIRST}x)", flush=True)
                if first["warmup"]:
                    print(f"  the warm-up itself: {statistics.median(w['wall_s'] for w in first['warmup']):.2f} s, "
                          f"{statistics.median(w['cpu_s'] for w in first['warmup']):.2f} s of CPU (medians)")
            if not args.skip_pages:
                with serve(args.app, port) as (base, proc):
                    results["pages"] = warm_views(context, base, proc.pid, pages, args.views, args.quiet)
                    # for information: a browser that has never loaded the app (empty HTTP cache) also downloads
                    # the front end's files, which the server compresses for it
                    empty = []
                    for _ in range(3):
                        fresh = new_browser(chromium)
                        empty.append(view(fresh, base + "/", proc.pid, args.quiet)[0])
                        fresh.close()
                    results["empty_browser_cache_cpu_s"] = empty
        finally:
            context.close()
            chromium.close()

    print(f"\n| page (new tab, warm caches) | server CPU per view (median of {args.views}) | wall to a quiet page | "
          f"aim <= {AIM_CPU} s |")
    print("| --- | ---: | ---: | --- |")
    for label, r in results.get("pages", {}).items():
        ok = "met" if r["cpu_median_s"] <= AIM_CPU else "MISSED"
        print(f"| {label} | {r['cpu_median_s']:.3f} s | {r['wall_median_s']:.2f} s | {ok} |")
    if "empty_browser_cache_cpu_s" in results:
        empty = statistics.median(results["empty_browser_cache_cpu_s"])
        print(f"| (Overview in a browser with an empty HTTP cache: the front end's files sent too) | {empty:.3f} s "
              "| | |")
    first = results.get("first_view", {})
    if first:
        print(f"| Overview, warm view (median of {len(first['warm_cpu_s'])}, on the first-view servers) | "
              f"{first['warm_cpu_median_s']:.3f} s | {first['warm_wall_median_s']:.2f} s | |")
    for case, words in FIRST_CASES.items():
        if case in first:
            f = first[case]
            ok = "met" if max(f["cpu_ratio"], f["wall_ratio"]) <= AIM_FIRST else "MISSED"
            print(f"| Overview, first view on a fresh server, {words} (median of {args.fresh}) | "
                  f"{f['cpu_median_s']:.3f} s ({f['cpu_ratio']:.1f}x warm) | {f['wall_median_s']:.2f} s "
                  f"({f['wall_ratio']:.1f}x warm) | aim <= {AIM_FIRST}x: {ok} |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
