"""Command line: ``python -m oversight league|imr|validate ...`` on the same engine as the app.

Exit codes: 0 success, 2 unusable input or arguments (a short message on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import sys


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m oversight",
        description="NHS Oversight Framework league tables from NHS England's CSV files.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    league = sub.add_parser("league", help="the AMR league table, in NHS England's layout, as CSV on stdout")
    league.add_argument("files", nargs="+", metavar="FILE", help="NOF data files, league-table files or templates")
    league.add_argument("--quarter", help="quarter to rank, such as 'Q4 2025/26' (default: the latest)")
    league.add_argument("--trust-type", help="one trust type (default: every type, each ranked within itself)")
    league.add_argument("--cuts", help="segment cut points 'a,b,c' (default: bracketed from the file's published "
                        "segments, else pooled quartiles)")
    league.add_argument("--bootstrap", type=int, default=None, metavar="B",
                        help="bootstrap replicates for the likely ranges (default 5000)")
    league.add_argument("--seed", type=int, default=None, metavar="S", help="random seed (default 2025)")

    imr = sub.add_parser("imr", help="one metric's ranking within trust type, as CSV on stdout")
    imr.add_argument("files", nargs="+", metavar="FILE")
    imr.add_argument("--metric", required=True, help="metric ID, raw (OF0082) or score (OF1082)")
    imr.add_argument("--quarter", help="quarter (default: the latest)")

    validate = sub.add_parser("validate", help="check files and say what each holds")
    validate.add_argument("files", nargs="+", metavar="FILE")
    return parser


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 2


def _read(paths, quarter=None):
    from pathlib import Path

    from .io import read_files
    from .problems import InputError, Problem

    missing = [p for p in paths if not Path(p).is_file()]
    if missing:
        raise InputError([Problem(p, "no such file.", "Check the path.") for p in missing])
    from .catalogue import normalise_quarter

    return read_files(paths, quarter and (normalise_quarter(quarter) or quarter), validate=False)


def _pick_quarter(dataset, quarter):
    from .catalogue import normalise_quarter

    if quarter is None:
        return dataset.quarters[-1]
    wanted = normalise_quarter(quarter) or quarter
    if wanted not in dataset.quarters:
        raise ValueError(f"quarter '{quarter}' is not in the files; they hold {', '.join(dataset.quarters)}.")
    return wanted


def _league(args) -> int:
    from . import catalogue as cat
    from .banding import FixedCuts
    from .formats import league_layout, to_csv
    from .model import Method, assess
    from .uncertainty import DEFAULT_REPLICATES, DEFAULT_SEED, likely_ranges

    dataset = _read(args.files, args.quarter)
    quarter = _pick_quarter(dataset, args.quarter)
    dataset = dataset.only([quarter])
    method = Method()
    if args.cuts:
        try:
            cuts = tuple(float(x) for x in args.cuts.split(","))
        except ValueError:
            cuts = ()
        if len(cuts) != 3 or list(cuts) != sorted(cuts):
            return _fail(f"--cuts '{args.cuts}' must be three ascending numbers such as 2.05,2.32,2.62.")
        method = Method(banding=FixedCuts(cuts))
    assessment = assess(dataset, method, details=False)
    table = assessment.quarter(quarter)
    if args.trust_type:
        wanted = cat.canonical_trust_type(args.trust_type)
        if wanted not in set(table["trust_type"]):
            return _fail(f"--trust-type '{args.trust_type}' is not in the files; they hold "
                         f"{', '.join(sorted(set(table['trust_type'])))}.")
        table = table[table["trust_type"] == wanted]
    replicates = args.bootstrap if args.bootstrap is not None else DEFAULT_REPLICATES
    if replicates < 1:
        return _fail("--bootstrap must be at least 1.")
    ranges = likely_ranges(assessment, [quarter], replicates=replicates,
                           seed=args.seed if args.seed is not None else DEFAULT_SEED)
    table = table.merge(ranges, on=["quarter", "trust_code"], how="left")
    if args.cuts and (table["source"] == "league table").any():
        print("note: trusts read from a league table keep no likely range of rank after re-segmenting (their "
              "metric scores are not in the file).", file=sys.stderr)
    sys.stdout.write(to_csv(league_layout(table)))
    return 0


def _imr(args) -> int:
    from .formats import to_csv
    from .model import assess

    metric = args.metric.strip().upper()
    if metric[:3] not in ("OF0", "OF1") or len(metric) != 6:
        return _fail(f"--metric '{args.metric}' is not a metric ID such as OF0082 or OF1082.")
    score_id = "OF1" + metric[3:]
    dataset = _read(args.files, args.quarter)
    quarter = _pick_quarter(dataset, args.quarter)
    scores = assess(dataset.only([quarter])).scores
    rows = scores[(scores["metric_id"] == score_id) & (scores["quarter"] == quarter)]
    if rows.empty:
        have = sorted(scores.loc[scores["quarter"] == quarter, "metric_id"].unique())
        return _fail(f"metric {metric} has no scores in {quarter}; the files hold {', '.join(have)}.")
    rows = rows.sort_values(["trust_type", "imr_rank", "trust_name"])
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
    from pathlib import Path

    from .io import read_file, summarise
    from .problems import InputError

    status = 0
    for path in args.files:
        p = Path(path)
        if not p.is_file():
            print(f"{path}: no such file. Fix: check the path.", file=sys.stderr)
            status = 2
            continue
        try:
            kind, frame, warnings = read_file(p.name, p.read_bytes())
        except InputError as err:
            print(f"{p.name}: not valid.\n{err}", file=sys.stderr)
            status = 2
            continue
        print(f"OK {summarise(p.name, kind, frame).describe()}")
        for w in warnings:
            print(f"  note: {w}")
    return status


def main(argv=None) -> int:
    from .problems import InputError

    args = _parser().parse_args(argv)
    try:
        return {"league": _league, "imr": _imr, "validate": _validate}[args.command](args)
    except InputError as err:
        return _fail(f"cannot use the input:\n{err}")
    except ValueError as err:
        return _fail(str(err))
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
