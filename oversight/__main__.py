"""Command line: ``python -m oversight league|imr|validate ...`` on the same engine as the app.

Exit codes: 0 success, 2 unusable input or arguments (a short message on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import math
import os
import sys

from . import _limits

# A short-lived process pays for each page of memory the first time it is written. numpy asks the kernel for huge
# pages for each array of 4 MB or more, and where the kernel then compacts memory to find them (transparent_hugepage's
# defrag "madvise", as on this project's machines) the bootstrap of 5,000 organisations waited longer on the kernel
# than it spent on its arithmetic; pyarrow's default allocator (mimalloc) took 0.30 s, 0.24 s of it in the kernel, to
# read a 35 MB file that the system allocator reads in 0.13 s (benchmarks/README.md). Both are read when numpy and
# pyarrow are first imported, which is after this line; a value the user set is kept. numpy's OpenBLAS starts a
# thread for each further core when it loads, and the thread spins, waiting for work, for about 0.2 s: 0.1 s of CPU
# taken from the command line's own threads (the bootstrap's) for a library it never calls on a matrix.
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

_DEFAULT_DATA = ("With no FILE, the bundled default data: NHS England's real NOF 2025/26 files (acute trusts Q1; "
                 "mental health and community trusts Q1 to Q4 and their Q4 league table), as the app opens on.")
_LIMITS = (f"Limits: each file at most {_limits.MAX_FILE_MB} MB ({_limits.MAX_FILE_BYTES:,} bytes); at most "
           f"{_limits.MAX_QUARTERS} quarters and {_limits.MAX_TRUSTS:,} trusts per run.")


class _Usage(Exception):
    """A command-line argument that cannot be used; the message says why and what to write."""


def _parser() -> argparse.ArgumentParser:
    from .catalogue import TRUST_TYPE_CODES

    parser = argparse.ArgumentParser(
        prog="python -m oversight",
        description="NHS Oversight Framework league tables from NHS England's CSV files.",
        epilog=f"{_DEFAULT_DATA} {_LIMITS}",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    files_help = "NOF data files, league-table files or templates (default: the bundled NHS England files)"
    quarter_help = ("quarter, such as 'Q4 2025/26', or just 'Q1' when the files hold one Q1 (default: the latest)")
    trust_types = ", ".join(f"{code} ({name})" for name, code in TRUST_TYPE_CODES.items())

    league = sub.add_parser("league", help="the AMR league table, in NHS England's layout, as CSV on stdout",
                            epilog=f"{_DEFAULT_DATA} {_LIMITS}")
    league.add_argument("files", nargs="*", metavar="FILE", help=files_help)
    league.add_argument("--quarter", help=quarter_help)
    league.add_argument("--trust-type", help=f"one trust type: {trust_types}, or NHS England's name for it "
                        "(default: every type, each ranked within itself)")
    league.add_argument("--cuts", help="segment cut points 'a,b,c': three ascending numbers from 1 to 4 (default: "
                        "bracketed from the file's published segments, else pooled quartiles)")
    league.add_argument("--bootstrap", type=int, default=None, metavar="B",
                        help=f"bootstrap replicates for the likely ranges, 1 to {_limits.MAX_BOOTSTRAP:,} "
                        "(default 5,000)")
    league.add_argument("--seed", type=int, default=None, metavar="S",
                        help=f"random seed, 0 to {_limits.MAX_SEED:,} (default 2025)")

    imr = sub.add_parser("imr", help="one metric's ranking within trust type, as CSV on stdout",
                         epilog=f"{_DEFAULT_DATA} {_LIMITS}")
    imr.add_argument("files", nargs="*", metavar="FILE", help=files_help)
    imr.add_argument("--metric", required=True, help="metric ID, raw (OF0082) or score (OF1082)")
    imr.add_argument("--quarter", help=quarter_help)

    validate = sub.add_parser("validate", help="check files and say what each holds",
                              epilog=f"{_DEFAULT_DATA} {_LIMITS}")
    validate.add_argument("files", nargs="*", metavar="FILE", help=files_help)
    return parser


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 2


def _files(args) -> list:
    from ._bundled import DEFAULT_FILES, DEFAULT_LEAGUE

    return list(args.files) or [*DEFAULT_FILES, DEFAULT_LEAGUE]


def _quarter_argument(text: str | None) -> tuple[str | None, int | None]:
    """``--quarter`` as (label, None) or, for a bare 'Q1', (None, 1). A label that is not a quarter at all may name
    a template's scenario; one whose years do not follow (Q4 2025/99) is refused."""
    import re

    from ._cells import normalise_text, quarter_label

    if text is None:
        return None, None
    bare = re.fullmatch(r"Q([1-4])", normalise_text(text), re.IGNORECASE)
    if bare:
        return None, int(bare.group(1))
    label, reason = quarter_label(text)
    if reason:
        raise _Usage(f"--quarter '{text}' is not a quarter: {reason}; write it like 'Q4 2025/26' (or 'Q4' when the "
                     "files hold one Q4).")
    return label or normalise_text(text), None


def _read(args):
    from ._load import read_files

    label, _ = _quarter_argument(args.quarter)
    dataset = read_files(_files(args), label, validate=False)
    for w in dataset.warnings:  # such as a file read as another quarter than --quarter names
        if w.with_table:
            print(f"note: {w.text(terminal=True)}", file=sys.stderr)
    return dataset


def _pick_quarter(dataset, text: str | None) -> str:
    from .catalogue import parse_quarter

    label, bare = _quarter_argument(text)
    held = ", ".join(dataset.quarters)
    if text is None:
        return dataset.quarters[-1]
    if bare is not None:
        matches = [q for q in dataset.quarters if (parse_quarter(q) or (0, 0))[1] == bare]
        if len(matches) != 1:
            which = "no" if not matches else f"{len(matches)}"
            raise _Usage(f"--quarter '{text}': the files hold {which} Q{bare} quarters ({held}); name the year, "
                         f"such as --quarter '{matches[-1] if matches else f'Q{bare} 2025/26'}'.")
        return matches[0]
    if label not in dataset.quarters:
        raise _Usage(f"--quarter '{text}' is not in the files; they hold {held}.")
    return label


def _cuts(text: str) -> tuple[float, float, float]:
    try:
        cuts = tuple(float(x) for x in text.split(","))
    except ValueError:
        cuts = ()
    if len(cuts) != 3 or not all(math.isfinite(c) and 1 <= c <= 4 for c in cuts) or list(cuts) != sorted(cuts):
        raise _Usage(f"--cuts '{text}' must be three ascending numbers from 1 to 4, such as 2.05,2.32,2.62.")
    return cuts


def _in_range(option: str, value: int | None, low: int, high: int, default: int) -> int:
    if value is None:
        return default
    if not low <= value <= high:
        raise _Usage(f"{option} {value} must be a whole number from {low:,} to {high:,} (default {default:,}).")
    return value


def _league(args) -> int:
    from . import _cells
    from .banding import FixedCuts
    from .catalogue import TRUST_TYPE_CODES
    from .formats import league_layout, to_csv
    from .league import THEIRS, bootstrap_ranges, league_table
    from .model import Method, assess
    from .uncertainty import DEFAULT_REPLICATES, DEFAULT_SEED

    method = Method(banding=FixedCuts(_cuts(args.cuts))) if args.cuts else Method()
    replicates = _in_range("--bootstrap", args.bootstrap, 1, _limits.MAX_BOOTSTRAP, DEFAULT_REPLICATES)
    seed = _in_range("--seed", args.seed, 0, _limits.MAX_SEED, DEFAULT_SEED)
    wanted = None
    if args.trust_type:
        wanted = _cells.canonical_trust_type(args.trust_type)
        if wanted is None:
            codes = ", ".join(TRUST_TYPE_CODES.values())
            raise _Usage(f"--trust-type '{args.trust_type}' is not a trust type; use {codes} or NHS England's "
                         "names (Acute trust, Mental health and community trust, Ambulance trust).")
    dataset = _read(args)
    quarter = _pick_quarter(dataset, args.quarter)
    assessment = assess(dataset.only([quarter]), method, details=False)
    held = set(assessment.trusts["trust_type"])
    if wanted and wanted not in held:
        raise _Usage(f"--trust-type '{args.trust_type}' ({wanted}) is not in the files for {quarter}; they hold "
                     f"{', '.join(sorted(held))}.")
    # NHS England's own ranges where their league table gives them; our bootstrap only when a printed row lacks one.
    ranges = bootstrap_ranges(assessment, quarter, wanted, replicates=replicates, seed=seed)
    table = league_table(assessment, quarter, ranges, plan=False)
    if wanted:
        table = table[table["trust_type"] == wanted]
    theirs = int((table["range_source"] == THEIRS).sum())
    if theirs:
        rest = len(table) - theirs
        print(f"note: likely ranges are NHS England's published ones for {theirs} trusts (from their league table)"
              + (f" and ours for the other {rest}." if rest else "."), file=sys.stderr)
    if args.cuts and (table["source"] == "league table").any():
        print("note: trusts read from a league table keep no likely range of rank after re-segmenting (their "
              "metric scores are not in the file).", file=sys.stderr)
    sys.stdout.write(to_csv(league_layout(table)))
    return 0


def _imr(args) -> int:
    from ._cells import normalise_text
    from .formats import to_csv
    from .model import assess

    metric = normalise_text(args.metric).upper()
    if metric[:3] not in ("OF0", "OF1") or len(metric) != 6 or not metric[3:].isdigit():
        raise _Usage(f"--metric '{args.metric}' is not a metric ID such as OF0082 or OF1082.")
    score_id = "OF1" + metric[3:]
    dataset = _read(args)
    quarter = _pick_quarter(dataset, args.quarter)
    scores = assess(dataset.only([quarter])).scores
    rows = scores[(scores["metric_id"] == score_id) & (scores["quarter"] == quarter)]
    if rows.empty:
        have = sorted(scores.loc[scores["quarter"] == quarter, "metric_id"].unique())
        raise _Usage(f"metric {metric} has no scores in {quarter}; the files hold {', '.join(have)}.")
    rows = rows.sort_values(["trust_type", "imr_rank", "trust_name"]).assign(metric_id=metric)
    out = rows.rename(columns={
        "quarter": "Quarter", "trust_type": "Trust_type", "trust_code": "Trust_code", "trust_name": "Trust_name",
        "metric_id": "Metric_ID", "metric_name": "Metric", "value": "Value", "units": "Units",
        "reporting_date": "Reporting_date", "score": "Score", "imr_rank": "Rank", "peer_median": "Peer_median",
    })[["Quarter", "Trust_type", "Trust_code", "Trust_name", "Metric_ID", "Metric", "Value", "Units",
        "Reporting_date", "Score", "Rank", "Peer_median"]]
    out["Score"] = out["Score"].round(2)
    sys.stdout.write(to_csv(out))
    return 0


def _validate(args) -> int:
    """Each file on a line of its own (OK, or not valid with its problems), then what the files disagree on."""
    from ._load import combine, read_each, summarise
    from .problems import InputError

    status, done = 0, []
    for path in _files(args):
        read, errors = read_each([path])
        if errors:
            print(f"{errors[0].file}: not valid.\n{InputError(errors).report(terminal=True)}", file=sys.stderr)
            status = 2
        for item in read:
            done.append(item)
            print(f"OK {summarise(item.name, item.kind, item.frame).describe()}")
            for w in item.warnings:
                print(f"  note: {w.text(terminal=True)}")
    if len(done) > 1:
        try:
            dataset = combine(done)
        except InputError as err:
            print(f"the files together are not valid:\n{err.report(terminal=True)}", file=sys.stderr)
            return 2
        for w in dataset.warnings[sum(len(item.warnings) for item in done):]:
            print(f"  note (the files together): {w.text(terminal=True)}")
    return status


def main(argv=None) -> int:
    from .problems import InputError

    args = _parser().parse_args(argv)  # the parser's trust types are the catalogue's, which imports pandas
    if not gc.isenabled():  # held off while Python started and pandas was imported (the end of this file)
        gc.freeze()
        gc.enable()
    try:
        return {"league": _league, "imr": _imr, "validate": _validate}[args.command](args)
    except InputError as err:
        return _fail(f"cannot use the input:\n{err.report(terminal=True)}")
    except (_Usage, ValueError) as err:
        return _fail(str(err))
    except BrokenPipeError:  # the reader of stdout stopped early (| head): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except MemoryError:
        return _fail("out of memory: the files are too large for this machine; load fewer at a time.")
    except Exception as err:  # never a traceback: a bug in the engine is still reported as one line
        return _fail(f"internal error ({type(err).__name__}: {err}); this is a bug in oversight, please report it "
                     "with the command you ran.")


def _exit(status: int) -> None:
    """End the process with ``status`` once its output is written, without tearing the interpreter down: the
    garbage collector's last walk over pandas' and numpy's objects and the modules' finalisation take about 0.1 s,
    longer than this package's own import, for nothing a finished command needs (benchmarks/README.md). Every
    thread the engine starts has finished by now (its pools are closed where they are used)."""
    for stream in (sys.stdout, sys.stderr):
        # the reader may have stopped early (| head: not an error) or the stream be closed
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(status)


if __name__ == "__main__":
    # Importing pandas makes some 60,000 objects that the garbage collector tracks, each alive as long as the
    # process; the collector, run after every 700 new ones, walks them over and over while they are made (about
    # 0.03 s of the import) and frees nothing. It is held off until pandas is in (main), then everything made so far
    # is set aside for good (gc.freeze: never walked again) and it collects as usual what the command makes.
    gc.disable()
    _exit(main())
