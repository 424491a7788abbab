"""App benchmark: a page's rerun after a filter change, as a RATIO against an empty page's rerun in the same run.

Run from anywhere (the virtualenv active)::

    python benchmarks/bench_app.py                 # 15 timed reruns of each after the warm-ups
    python benchmarks/bench_app.py --repeat 31 --json app.json

What it measures, with ``streamlit.testing.v1.AppTest`` (the script runs in this process, without a browser or a
websocket, so the figures are the server-side script run, which is what a filter change costs before the browser
redraws; they leave out network and front-end rendering):

* baseline: an empty page of this app: a page that draws the shared sidebar (navigation and filters, which every
  page has) and nothing else, its quarter filter changed the same way. It lives in a temporary copy of the app
  (symbolic links to the real files plus ``pages/0_Empty.py``), never in the app itself. For information, a bare
  Streamlit script (``st.title("empty")``) is timed too: it shows the fixed cost of the sidebar;
* subjects: every page in the shared sidebar's list (``ui.sidebar.PAGES``, read from its source), each opened as a
  link opens it: ``streamlit_app.py`` by absolute path with the query parameters ``type=mhc`` (the mental health
  and community trusts, who have four quarters; the app opens on the acute trusts, who have one) and, for the
  trust profile and board capability pages, ``trust=RWX``, then ``switch_page`` to the page before the first run.
  Each is warmed up by visiting Q4 and Q3 once, then the sidebar quarter selectbox (key ``quarter``) is set
  alternately to "Q3 2025/26" and "Q4 2025/26", each ``at.run()`` timed. Both quarters are then in the caches,
  so this is the warm-cache cost of a filter change. Aim: under 3x the empty page, on every page. The AMR league
  table is the headline row, as it was first measured.
* for information: the first visit of a quarter not seen yet in this process on the AMR page (its likely ranges
  and improvement plan computed, the assessment already cached).

AppTest makes a new script cache for every run, so each rerun would compile its scripts again; the benchmark gives it
one shared cache, as a server has (it compiles each script once). Baseline and subject reruns are interleaved so
that drift in the machine's load falls on both alike; medians are reported because the machine may be shared. The
project's rule: speed is quoted as a ratio against a baseline run in the same command, never asserted as a time in
a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "streamlit_app.py"
AMR = "pages/1_AMR_league_table.py"
Q3, Q4 = "Q3 2025/26", "Q4 2025/26"
COLD_QUARTERS = ("Q2 2025/26", "Q1 2025/26")
MHC = {"type": "mhc"}  # the link to the mental health and community trusts, who have Q1 to Q4
TRUST = "RWX"  # highlighted on the pages that show one trust
TRUST_PAGES = ("Trust profile", "Board capability")
AIM = 3.0
TIMEOUT = 300  # seconds one script run may take (AppTest's default of 3 s is too short for a cold first run)


def _timed(at) -> float:
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    if at.exception:
        raise SystemExit(f"the script raised: {at.exception[0].value}")
    return elapsed


def _set_quarter(at, quarter: str) -> float:
    at.selectbox(key="quarter").set_value(quarter)
    elapsed = _timed(at)
    shown = at.selectbox(key="quarter").value
    if shown != quarter:
        raise SystemExit(f"the quarter filter shows {shown!r} after setting {quarter!r}")
    return elapsed


def pages() -> list[tuple[str, str]]:
    """(label, script) of every page in the shared sidebar's list (``ui.sidebar.PAGES``, read from the source so
    that the list is the app's own)."""
    import ast

    tree = ast.parse((ROOT / "ui" / "sidebar.py").read_text())
    listed = next(ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)
                  and any(getattr(t, "id", None) == "PAGES" for t in node.targets))
    return [(label + (f" ({TRUST})" if label in TRUST_PAGES else ""), path) for path, label, _ in listed]


def _open(page: str, trust: str | None = None, app: Path = APP):
    """A new session opened on ``page`` by a link to the mental health and community trusts (and ``trust``)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(app), default_timeout=TIMEOUT)
    at.query_params.update({**MHC, **({"trust": trust} if trust else {})})
    if page != "streamlit_app.py":
        at.switch_page(page)
    _timed(at)
    return at


def _app_copy(tmp: Path) -> Path:
    """A copy of the app (its scripts copied, its packages linked) with one more page that draws only the shared
    sidebar. Scripts are copied, not linked, because Streamlit resolves links when it finds pages."""
    for name in ("ui", "oversight", "data", ".streamlit"):
        (tmp / name).symlink_to(ROOT / name)
    (tmp / "streamlit_app.py").write_bytes(APP.read_bytes())
    (tmp / "pages").mkdir()
    for page in (ROOT / "pages").glob("*.py"):
        (tmp / "pages" / page.name).write_bytes(page.read_bytes())
    (tmp / "pages" / "0_Empty.py").write_text('import ui\n\nui.page_setup("Empty", ":material/crop_square:")\n'
                                              "ui.sidebar()\n")
    return tmp / "streamlit_app.py"


def _rerun(at, quarter: str, filtered: bool) -> float:
    return _set_quarter(at, quarter) if filtered else _timed(at)


def toggle(baseline, subject, repeat: int, baseline_filtered: bool = True) -> dict:
    """``repeat`` interleaved pairs: one baseline rerun, one quarter change on the subject (Q3, Q4, Q3, ...); the
    baseline's own quarter filter is changed the same way when it has one."""
    base, subj = [], []
    for i in range(repeat):
        quarter = Q3 if i % 2 == 0 else Q4
        if i % 2 == 0:
            base.append(_rerun(baseline, quarter, baseline_filtered))
            subj.append(_set_quarter(subject, quarter))
        else:
            subj.append(_set_quarter(subject, quarter))
            base.append(_rerun(baseline, quarter, baseline_filtered))
    b, s = statistics.median(base), statistics.median(subj)
    return {"baseline_s": base, "subject_s": subj, "baseline_median_s": b, "subject_median_s": s, "ratio": s / b}


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15, help="timed reruns of each (default 15)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this path")
    parser.add_argument("--only", metavar="WORDS", help="only the pages whose label contains WORDS (case ignored)")
    args = parser.parse_args(argv)
    if args.repeat < 2:
        parser.error("--repeat must be at least 2")
    os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    import streamlit.logger
    import streamlit.testing.v1.app_test as app_test
    import streamlit.testing.v1.local_script_runner as local_script_runner
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import AppTest

    # AppTest makes a new script cache for every run, so each rerun compiles its scripts again (with Streamlit's
    # "magic" rewriting: about 10 ms for a long page). A server keeps one cache and compiles each script once; give
    # AppTest one too, so that a rerun costs here what it costs on a server.
    script_cache = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: script_cache

    # AppTest runs scripts outside a server, and Streamlit warns about that ("missing ScriptRunContext"); the
    # filter outlives Streamlit resetting its log level when it loads its configuration.
    streamlit.logger.get_logger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        lambda record: "missing ScriptRunContext" not in record.getMessage())

    results: dict = {"date": time.strftime("%Y-%m-%d"), "python": platform.python_version(),
                     "cpus": os.cpu_count(), "repeat": args.repeat}
    print(f"app benchmark (AppTest, server-side script only): {args.repeat} timed reruns of each, interleaved; "
          f"medians; {os.cpu_count()} CPUs")

    with tempfile.TemporaryDirectory(prefix="nof-bench-app-") as tmp:
        bare_script = Path(tmp) / "bare_page.py"
        bare_script.write_text('import streamlit as st\n\nst.title("empty")\n')
        bare = AppTest.from_file(str(bare_script), default_timeout=TIMEOUT)
        _timed(bare)
        copy = Path(tmp) / "app"
        copy.mkdir()
        baseline = _open("pages/0_Empty.py", app=_app_copy(copy))
        for q in (Q4, Q3):
            _set_quarter(baseline, q)

        start = time.perf_counter()
        amr = _open(AMR)
        results["first_open_s"] = time.perf_counter() - start  # imports, data load and Q4 scoring, in this process
        warm = {q: _set_quarter(amr, q) for q in (Q4, Q3)}  # Q3's first visit is cold; both are cached after
        results["warmup_s"] = warm
        results["bare"] = bare_r = toggle(bare, amr, args.repeat, baseline_filtered=False)
        cold = {q: _set_quarter(amr, q) for q in COLD_QUARTERS}
        results["cold_quarter_s"] = cold
        results["cold_quarter_median_s"] = statistics.median(cold.values())
        for q in (Q4, Q3):
            _set_quarter(amr, q)

        print(f"\nevery page, quarter changed Q3 <-> Q4 (warm cache), {args.repeat} reruns each, against the empty "
              "page:")
        results["pages"] = {}
        for label, page in pages():
            if args.only and args.only.lower() not in label.lower() and label != "AMR league table":
                continue
            at = amr if page == AMR else _open(page, TRUST if label.endswith(f"({TRUST})") else None)
            for q in (Q4, Q3):
                _set_quarter(at, q)
            r = toggle(baseline, at, args.repeat)
            results["pages"][label] = r
            print(f"    {label:32s} {_ms(r['subject_median_s']):>10s} vs empty {_ms(r['baseline_median_s']):>8s}: "
                  f"{r['ratio']:.2f}x ({'met' if r['ratio'] < AIM else 'MISSED'})", flush=True)
        head = results["pages"]["AMR league table"]
        results["amr"] = head
        worst = max(results["pages"].items(), key=lambda item: item[1]["ratio"])
        results["worst"] = {"page": worst[0], "ratio": worst[1]["ratio"]}
        print(f"    (bare Streamlit script rerun: {_ms(bare_r['baseline_median_s'])}; the AMR page is "
              f"{bare_r['ratio']:.1f}x that)")
        print("\nfor information: first visit of a quarter not yet seen on the AMR page (likely ranges and plan "
              "computed):")
        for q, sec in cold.items():
            print(f"    {q}: {_ms(sec)} ({sec / head['baseline_median_s']:.1f}x the empty page's median rerun)")
        print(f"    (first open of the app on the AMR page in this process: {results['first_open_s']:.2f} s; "
              f"first visit of Q3 during warm-up: {_ms(warm[Q3])})")

    print(f"\n| page (quarter filter changed, warm cache) | median rerun | empty page median | ratio (aim < {AIM}x) |")
    print("| --- | --- | --- | --- |")
    for label, r in results["pages"].items():
        print(f"| {label} | {_ms(r['subject_median_s'])} | {_ms(r['baseline_median_s'])} | {r['ratio']:.2f}x "
              f"{'met' if r['ratio'] < AIM else 'MISSED'} |")
    print(f"| AMR, first visit of a new quarter (cold cache; median of {len(cold)}) | "
          f"{_ms(results['cold_quarter_median_s'])} | {_ms(head['baseline_median_s'])} | "
          f"{results['cold_quarter_median_s'] / head['baseline_median_s']:.2f}x |")
    print(f"\nworst page: {worst[0]}, {worst[1]['ratio']:.2f}x")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
