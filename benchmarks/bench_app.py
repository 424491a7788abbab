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
* headline subject: the AMR league table page (``streamlit_app.py`` opened by absolute path, run once, switched to
  ``pages/1_AMR_league_table.py``, warmed up by visiting Q4 and Q3 once each), then the sidebar quarter selectbox
  (key ``quarter``) set alternately to "Q3 2025/26" and "Q4 2025/26", each ``at.run()`` timed. Both quarters are
  then in ``st.cache_data``, so this is the warm-cache cost of a filter change. Aim: under 3x the empty page.
* for information: the first visit of a quarter not seen yet in this process (its likely ranges and improvement
  plan computed, the assessment already cached), and the same warm quarter toggle on the other pages (Overview,
  Individual metrics, Confidence and volatility, Trust profile with trust RWX highlighted).

Baseline and subject reruns are interleaved so that drift in the machine's load falls on both alike; medians are
reported because the machine may be shared. The project's rule: speed is quoted as a ratio against a baseline run
in the same command, never asserted as a time in a test.
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
OTHER_PAGES = [
    ("Overview", "streamlit_app.py", None),
    ("Individual metrics (IMR)", "pages/2_Individual_metrics.py", None),
    ("Confidence and volatility", "pages/3_Confidence_and_volatility.py", None),
    ("Trust profile (RWX)", "pages/4_Trust_profile.py", "RWX"),
]
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


def _open(page: str, trust: str | None = None, app: Path = APP):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(app), default_timeout=TIMEOUT)
    _timed(at)
    if page != "streamlit_app.py":
        at.switch_page(page)
        _timed(at)
    if trust:
        at.selectbox(key="trust").set_value(trust)
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
    args = parser.parse_args(argv)
    if args.repeat < 2:
        parser.error("--repeat must be at least 2")
    os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    import streamlit.logger
    from streamlit.testing.v1 import AppTest

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
        results["amr"] = head = toggle(baseline, amr, args.repeat)
        print(f"\nAMR league table, quarter changed Q3 <-> Q4 (warm cache), {args.repeat} reruns each:")
        results["bare"] = bare_r = toggle(bare, amr, args.repeat, baseline_filtered=False)
        print(f"    empty page of the app (shared sidebar only) rerun: {_ms(head['baseline_median_s'])}")
        print(f"    (bare Streamlit script rerun: {_ms(bare_r['baseline_median_s'])}; the AMR page is "
              f"{bare_r['ratio']:.1f}x that)")
        print(f"    AMR page rerun:   {_ms(head['subject_median_s'])}")
        print(f"    ratio {head['ratio']:.2f}x (aim: under {AIM}x; {'met' if head['ratio'] < AIM else 'MISSED'})")

        cold = {q: _set_quarter(amr, q) for q in COLD_QUARTERS}
        results["cold_quarter_s"] = cold
        results["cold_quarter_median_s"] = statistics.median(cold.values())
        print("\nfor information: first visit of a quarter not yet seen (likely ranges and plan computed):")
        for q, s in cold.items():
            print(f"    {q}: {_ms(s)} ({s / head['baseline_median_s']:.1f}x the empty page's median rerun)")
        print(f"    (first open of the app on the AMR page in this process: {results['first_open_s']:.2f} s; "
              f"first visit of Q3 during warm-up: {_ms(warm[Q3])})")

        print("\nfor information: other pages, quarter changed Q3 <-> Q4 (warm cache):")
        results["pages"] = {}
        for label, page, trust in OTHER_PAGES:
            at = _open(page, trust)
            for q in (Q4, Q3):
                _set_quarter(at, q)
            r = toggle(baseline, at, args.repeat)
            results["pages"][label] = r
            print(f"    {label:28s} {_ms(r['subject_median_s']):>10s} vs empty {_ms(r['baseline_median_s']):>8s}: "
                  f"{r['ratio']:.2f}x")

    print("\n| page (quarter filter changed, warm cache) | median rerun | empty page median | ratio |")
    print("| --- | --- | --- | --- |")
    print(f"| **AMR league table** (headline, aim < {AIM}x) | {_ms(head['subject_median_s'])} | "
          f"{_ms(head['baseline_median_s'])} | **{head['ratio']:.2f}x** |")
    for label, r in results["pages"].items():
        print(f"| {label} | {_ms(r['subject_median_s'])} | {_ms(r['baseline_median_s'])} | {r['ratio']:.2f}x |")
    print(f"| AMR, first visit of a new quarter (cold cache; median of {len(cold)}) | "
          f"{_ms(results['cold_quarter_median_s'])} | {_ms(head['baseline_median_s'])} | "
          f"{results['cold_quarter_median_s'] / head['baseline_median_s']:.2f}x |")

    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
