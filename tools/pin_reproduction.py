"""Pin what the engine reproduces of NHS England's published numbers: tests/golden/reproduction_*.csv.

    python tools/pin_reproduction.py          # rewrite the golden files after a deliberate change
    python tools/pin_reproduction.py --check  # exit 1 if they differ from what the engine computes now

The files hold, per figure, trust type and quarter, how many NHS England published and how many the engine
reproduces exactly (``reproduction_summary.csv``), and every figure it misses with the reason
(``reproduction_misses.csv``). ``tests/test_reproduction_golden.py`` compares them on every run, so a change that
reproduces more or less shows up in review as a diff of these files.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import oversight as nof  # noqa: E402
from oversight.reproduction import reproduce  # noqa: E402

GOLDEN = ROOT / "tests" / "golden"
FILES = {"summary": GOLDEN / "reproduction_summary.csv", "misses": GOLDEN / "reproduction_misses.csv"}


def current() -> dict[str, str]:
    """The reproduction of the default data (every real file we hold) as CSV text, ranges included."""
    data = nof.default_dataset()
    result = nof.assess(data)
    with_ranges = sorted(set(data.league["quarter"]))
    rep = reproduce(data, ranges=nof.likely_ranges(result, with_ranges))
    return {"summary": rep.summary.to_csv(index=False, lineterminator="\n"),
            "misses": rep.misses.to_csv(index=False, lineterminator="\n")}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    texts = current()
    if args.check:
        stale = [name for name, path in FILES.items() if not path.is_file() or path.read_text() != texts[name]]
        print("golden files differ: " + ", ".join(stale) if stale else "golden files up to date")
        return 1 if stale else 0
    GOLDEN.mkdir(exist_ok=True)
    for name, path in FILES.items():
        path.write_text(texts[name])
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
