"""Files to a :class:`Dataset`: read each file, then combine them into one national load.

**A trust's identity is consistent within a load.** One trust code has one trust type across every file and
quarter loaded (a second type would move the trust into another peer group's table), and one name within each
quarter. Names are compared once invisible characters, spacing and letter case are set aside; names that differ
only in case are read as the first spelling, with a warning. A trust may be renamed between quarters (NHS
England's files carry each quarter's name), so a different name in another quarter is accepted and reported.
Anything else is refused, naming the files and rows that disagree.

**Limits per load** (:mod:`oversight._limits`): at most ``MAX_QUARTERS`` quarters and ``MAX_TRUSTS`` trusts,
counted over every file together; each file at most ``MAX_FILE_BYTES`` bytes, checked before it is read.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import pickle
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import _limits, _text
from . import catalogue as cat
from ._cells import normalise_text, row_list
from ._fileformats import DATA, FORMATS, LEAGUE, FileFormat, detect, file_column_names, not_nof
from .problems import InputError, Problem

METRIC_FRAME_COLUMNS = list(DATA.frame_columns)
LEAGUE_FRAME_COLUMNS = list(LEAGUE.frame_columns)
_LABELS = {f.kind: f.label for f in FORMATS}


@dataclass(frozen=True)
class FileSummary:
    """What one file held."""

    name: str
    kind: str  # "data", "league" or "template"
    rows: int
    quarters: tuple[str, ...]
    trust_types: tuple[str, ...]
    trusts: int

    def describe(self) -> str:
        return (
            f"{self.name}: {_LABELS[self.kind]}, {self.rows:,} rows, {self.trusts} trusts, "
            f"{', '.join(self.quarters)}; {', '.join(self.trust_types)}"
        )


def digest(*parts) -> str:
    """A SHA-256 (hex, 32 characters) of ``parts``: frames by their column names, types and every value
    (``pandas.util.hash_pandas_object``, row order included, the index not), anything else by its ``repr``. Equal
    content gives an equal digest within a process, so a cache keyed by it can never hand back a result computed
    from other content."""
    out = hashlib.sha256()
    for part in parts:
        if isinstance(part, pd.DataFrame):
            out.update(repr((part.shape, list(part.columns), [str(t) for t in part.dtypes])).encode())
            try:
                out.update(pd.util.hash_pandas_object(part, index=False).to_numpy().tobytes())
            except TypeError:  # a column of lists or other unhashable values
                out.update(pickle.dumps(part.reset_index(drop=True), protocol=5))
        else:
            out.update(repr(part).encode())
        out.update(b"\x1f")
    return out.hexdigest()[:32]


@dataclass(frozen=True)
class Dataset:
    """Everything read from one or more files.

    ``metrics`` has one row per trust x metric x quarter (columns ``METRIC_FRAME_COLUMNS``); ``league`` has one row
    per trust x quarter from league-table files (``LEAGUE_FRAME_COLUMNS``). Either may be empty.
    """

    metrics: pd.DataFrame
    league: pd.DataFrame
    files: tuple[FileSummary, ...] = ()
    warnings: tuple[Problem, ...] = field(default=())

    @functools.cached_property
    def fingerprint(self) -> str:
        """What the data holds, as a digest of both frames (:func:`digest`): two datasets with the same rows have
        the same fingerprint, and any other change gives another. Computed on first use and kept with the dataset
        (pickled along with it); a dataset made by ``dataclasses.replace`` or :meth:`only` works out its own.
        Caches identify a dataset by it (``ui.data``)."""
        return digest("Dataset", self.metrics, self.league)

    @property
    def quarters(self) -> list[str]:
        return cat.quarter_order([*self.metrics["quarter"].unique(), *self.league["quarter"].unique()])

    @property
    def trust_types(self) -> list[str]:
        present = {*self.metrics["trust_type"].unique(), *self.league["trust_type"].unique()}
        return [t for t in cat.TRUST_TYPES if t in present]

    def only(self, quarters) -> Dataset:
        """The same data cut to some quarters (the command line scores only the quarter it prints)."""
        quarters = set(quarters)
        return dataclasses.replace(self, metrics=self.metrics[self.metrics["quarter"].isin(quarters)],
                                   league=self.league[self.league["quarter"].isin(quarters)])


def summarise(name: str, kind: str, frame: pd.DataFrame) -> FileSummary:
    """What a file read by :func:`read_file` holds."""
    return FileSummary(name, kind, len(frame), tuple(cat.quarter_order(frame["quarter"].unique())),
                       tuple(t for t in cat.TRUST_TYPES if t in set(frame["trust_type"].unique())),
                       frame["trust_code"].nunique())


_NUMERIC = {"value", "median", "lower_quartile", "upper_quartile", "rank", "average_score", "score_lo", "score_hi",
            "segment", "rank_lo", "rank_hi"}


def empty_frame(columns) -> pd.DataFrame:
    """An empty frame with the given columns typed as the readers type them (for a dataset without a kind)."""
    dtypes = {c: float for c in _NUMERIC} | {"row": "int64", "deficit": bool}
    return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, "str")) for c in columns})


# ----------------------------------------------------------------------------------------------------------------
# One file


def _numeric_names(names) -> set[str] | None:
    fmt = detect(names)
    return None if fmt is None else fmt.numeric_names(names)


def _parse(name: str, table: _text.RawTable, quarter: str | None) -> tuple[FileFormat, pd.DataFrame, list[Problem]]:
    fmt = detect(table.names)
    if fmt is None:
        raise InputError([not_nof(name, table.names)])
    numeric = fmt.numeric_names(table.names)
    table = _text.finish(name, table, {i for i, n in enumerate(table.names) if n in numeric})
    if len(table.frame) == 0:
        raise InputError([Problem(name, "the file has a header row but no data rows.",
                                  "Choose the file that holds the data.")])
    try:
        frame, problems = fmt.read(name, table, fmt, quarter)
    except InputError as err:
        raise InputError(table.warnings + err.problems) from None
    if not any(p.severity == "error" for p in problems):
        frames, more = _identity([frame])
        frame, problems = frames[0], problems + more + _limit_problems(name, [frame])
    problems = table.warnings + file_column_names(problems, table.names, fmt)
    if any(p.severity == "error" for p in problems):
        raise InputError(problems)
    return fmt, frame, problems


def _read(name: str, data: bytes, quarter: str | None) -> tuple[FileFormat, pd.DataFrame, list[Problem]]:
    """The fast reader when the file reads cleanly through it; otherwise (any problem at all) the careful one."""
    fast = _text.fast_table(data, _numeric_names)
    if fast is not None:
        try:
            fmt, frame, problems = _parse(name, fast, quarter)
        except InputError:
            problems = None
        if problems == []:
            return fmt, frame, problems
    table = _text.careful_table(name, data, recognised=lambda names: detect(names) is not None)
    return _parse(name, table, quarter)


def read_file(name: str, data: bytes, quarter: str | None = None, *, validate: bool = True
              ) -> tuple[str, pd.DataFrame, list[Problem]]:
    """Read one file's bytes.

    Parameters
    ----------
    name : str
        The file's name, as problems name it.
    data : bytes
        Its content: an NHS England data or league-table CSV, or our template.
    quarter : str, optional
        Labels a file that has no Quarter column and no Reporting_date naming a quarter (a file whose dates name
        one is that quarter, with a warning when ``quarter`` differs).
    validate : bool
        Also check the result against the pandera schema (:mod:`oversight.schemas`). The reader's own checks
        already refuse everything the schema would (the fuzz tests hold it to that), so the command line skips the
        schema to stay quick; the app and ``python -m oversight validate`` keep it.

    Returns
    -------
    (kind, frame, warnings) : tuple
        ``"data"``, ``"league"`` or ``"template"``; the tidy frame (``METRIC_FRAME_COLUMNS`` or
        ``LEAGUE_FRAME_COLUMNS``); the warnings.

    Raises
    ------
    InputError
        One :class:`~oversight.problems.Problem` per fault, naming the file, row or column and the fix.
    """
    fmt, frame, problems = _read(name, data, quarter)
    if validate:
        from .schemas import validate_frame

        frame = validate_frame(fmt.schema, frame, name)
    return fmt.kind, frame, problems


# ----------------------------------------------------------------------------------------------------------------
# Several files


@dataclass
class _Read:
    name: str
    kind: str
    frame: pd.DataFrame
    warnings: list[Problem]


def read_each(files, quarter: str | None = None, *, validate: bool = True) -> tuple[list[_Read], list[Problem]]:
    """Read every file, collecting each one's errors instead of stopping at the first bad file."""
    done, errors = [], []
    for item in files:
        try:
            name, data = _text.read_path(item) if isinstance(item, (str, os.PathLike)) else item
            kind, frame, warnings = read_file(name, data, quarter, validate=validate)
        except InputError as err:
            errors += err.problems
            continue
        done.append(_Read(name, kind, frame, warnings))
    return done, errors


def combine(done: list[_Read]) -> Dataset:
    """Files already read -> one :class:`Dataset`, refusing what the files disagree on (the same trust, metric and
    quarter with two values; a trust with two types or names) and a load over the limits."""
    warnings = [w for d in done for w in d.warnings]
    frames, problems = [d.frame for d in done], []
    if len(done) > 1:  # each file's own consistency was checked as it was read
        frames, problems = _identity(frames, across_files=True)
    errors = [p for p in problems if p.severity == "error"]
    if not errors and len(done) > 1:
        errors = _limit_problems(" and ".join(d.name for d in done), frames)
    # the files may name a column differently: a problem about the load names it as NHS England's files do
    nhs_names = {internal: canonical for canonical, internal in DATA.columns.items()}
    problems, errors = ([dataclasses.replace(p, column=nhs_names.get(p.column, p.column)) for p in found]
                        for found in (problems, errors))
    metrics = [f for f, d in zip(frames, done) if d.kind != "league"]
    leagues = [f for f, d in zip(frames, done) if d.kind == "league"]
    metric_frame = _combine(metrics, METRIC_FRAME_COLUMNS, list(DATA.key), list(DATA.values), errors)
    league_frame = _combine(leagues, LEAGUE_FRAME_COLUMNS, list(LEAGUE.key), list(LEAGUE.values), errors)
    if errors:
        raise InputError(errors + warnings)
    summaries = tuple(summarise(d.name, d.kind, d.frame) for d in done)
    return Dataset(metric_frame, league_frame, summaries, tuple(warnings + problems))


def read_files(files, quarter: str | None = None, *, validate: bool = True) -> Dataset:
    """Read several files into one national :class:`Dataset`.

    Parameters
    ----------
    files : iterable
        ``(name, bytes)`` pairs or paths. A path's size is checked before it is read.
    quarter : str, optional
        Labels files that have no Quarter column and no Reporting_date naming a quarter (see :func:`read_file`).
    validate : bool
        Check each frame against the pandera schema (see :func:`read_file`).

    Returns
    -------
    Dataset
        Files of different trust types combine; every file's warnings are kept.

    Raises
    ------
    InputError
        Every problem in every file, collected before raising; then what the files disagree on together.
    """
    done, errors = read_each(files, quarter, validate=validate)
    if errors:
        raise InputError(errors + [w for d in done for w in d.warnings])
    return combine(done)


def _combine(frames, columns, keys, values, problems) -> pd.DataFrame:
    if not frames:
        return empty_frame(columns)
    combined = pd.concat(frames, ignore_index=True)
    dup = combined.duplicated(keys, keep=False) if len(frames) > 1 else None
    if dup is not None and dup.any():  # the files overlap (grouping no rows would cost a few milliseconds)
        clash = combined.loc[dup].groupby(keys)[values[0]].nunique() > 1
        for key in clash[clash].index[:10]:
            rows = combined.set_index(keys).loc[key]
            problems.append(Problem(" and ".join(sorted(set(rows["source"]))),
                                    f"{' / '.join(map(str, key))} has different values in these files.",
                                    "Load one version of each file."))
        combined = combined.drop_duplicates(keys)
    return combined.reset_index(drop=True)


# ----------------------------------------------------------------------------------------------------------------
# A trust's identity and the limits of a load

_IDENTITY = ["source", "row", "quarter", "trust_code", "trust_type", "trust_name"]


def _where(rows: pd.DataFrame) -> str:
    """'file.csv rows 2, 3, 4' for each file the rows come from."""
    return "; ".join(f"{source} row{'s' if len(g) > 1 else ''} {row_list(g['row'].drop_duplicates(), 5)}"
                     for source, g in rows.groupby("source", sort=False))


def _several(distinct: pd.DataFrame, by: list[str], field: str) -> list:
    """The groups (by ``by``) in which ``field`` takes more than one value, the first ten."""
    counts = distinct.groupby(by)[field].nunique()
    return list(counts.index[counts > 1][:10])


def _disagreement(rows: pd.DataFrame, field: str, what: str, fix: str) -> Problem:
    """One trust's rows that disagree on ``field``: each version with the files and rows that give it (``what`` is
    worded with ``{n}``, the number of versions). In one file the problem points at the rarest version's first row,
    the likeliest to be the mistake."""
    groups = list(rows.groupby(field, sort=False))
    versions = [f"{value!r} ({_where(g)})" for value, g in groups]
    files = list(dict.fromkeys(rows["source"]))
    rarest = min((g for _, g in groups), key=len)
    message = f"{what.replace('{n}', str(len(groups)))}: {' and '.join(versions)}."
    return Problem(" and ".join(files), message, fix, column=field,
                   row=int(rarest["row"].iloc[0]) if len(files) == 1 else None)


def _one_identity_each(ids: pd.DataFrame) -> bool:
    """Whether every trust code has one trust type and one name, written one way, on all its rows (in every file
    and quarter). Then :func:`_identity` has nothing to report (no second type or name, no names differing in
    capitals, no renaming), so this settles it with three factorizations instead of its groupings."""
    code, kind, name = (pd.factorize(ids[c], use_na_sentinel=False)[0].astype(np.int64)
                        for c in ("trust_code", "trust_type", "trust_name"))
    combined = (code * (int(kind.max(initial=0)) + 1) + kind) * (int(name.max(initial=0)) + 1) + name
    return len(pd.unique(combined)) == len(pd.unique(code))  # pandas' hashing: np.unique sorts, several times slower


def _identity(frames: list[pd.DataFrame], across_files: bool = False) -> tuple[list[pd.DataFrame], list[Problem]]:
    """One trust type per code over the load, one name per code in each quarter (see the module docstring).

    Returns the frames (names that differ only in capitals made one) and the problems. With ``across_files`` only
    trusts found in more than one file are looked at, each file having been checked as it was read."""
    ids = pd.concat([f[_IDENTITY] for f in frames], ignore_index=True)
    if _one_identity_each(ids):  # the usual case, checked cheaply: nothing to refuse and nothing to warn of
        return frames, []
    distinct = ids.drop_duplicates(["source", "quarter", "trust_code", "trust_type", "trust_name"])
    if across_files:
        spread = distinct.groupby("trust_code")["source"].nunique()
        distinct = distinct[distinct["trust_code"].isin(spread[spread > 1].index)]
    if distinct.empty:
        return frames, []
    distinct = distinct.assign(key=distinct["trust_name"].map({n: normalise_text(n).casefold()
                                                               for n in distinct["trust_name"].unique()}))
    problems = [_disagreement(ids[ids["trust_code"] == code], "trust_type", f"trust {code} is given {{n}} "
                              "trust types (a trust is ranked in one peer group)", "Give each trust code one trust "
                              "type: correct the trust type (or the trust code) on the rows that are wrong.")
                for code in _several(distinct, ["trust_code"], "trust_type")]
    problems += [_disagreement(ids[(ids["trust_code"] == code) & (ids["quarter"] == quarter)], "trust_name",
                               f"trust {code} has {{n}} names in {quarter}", "Use one name for each trust code "
                               "in a quarter (or check the trust code on those rows).")
                 for quarter, code in _several(distinct, ["quarter", "trust_code"], "key")]
    if problems:
        return frames, problems
    sources = " and ".join(dict.fromkeys(distinct["source"]))
    capitals = _several(distinct, ["quarter", "trust_code"], "trust_name")
    if capitals:
        first = distinct.drop_duplicates(["quarter", "trust_code"]).set_index(["quarter", "trust_code"])["trust_name"]
        quarter, code = capitals[0]
        spellings = distinct.loc[(distinct["quarter"] == quarter) & (distinct["trust_code"] == code), "trust_name"]
        problems.append(Problem(sources, f"trust names that differ only in capitals were made one (such as "
                                f"{' and '.join(map(repr, spellings.unique()))} for {code} in {quarter}, read as "
                                f"{first[(quarter, code)]!r}).", "Nothing to do; write each name one way to be sure.",
                                column="trust_name", severity="warning"))
        frames = [_first_spelling(frame, first) for frame in frames]
    renamed = _several(distinct, ["trust_code"], "key")
    if renamed:
        seen = distinct[distinct["trust_code"] == renamed[0]].drop_duplicates("key")
        problems.append(Problem(sources, f"trusts with a different name in different quarters keep each quarter's "
                                f"name (such as {renamed[0]}: " + "; ".join(
                                    f"{n!r} in {q}" for q, n in zip(seen["quarter"], seen["trust_name"])) + ").",
                                "Nothing to do if the trust was renamed; otherwise check the trust code on those rows.",
                                column="trust_name", severity="warning"))
    return frames, problems


def _first_spelling(frame: pd.DataFrame, first: pd.Series) -> pd.DataFrame:
    """Each trust's name as ``first`` (indexed by quarter and code) spells it, where it has an entry."""
    chosen = pd.Series(first.reindex(pd.MultiIndex.from_frame(frame[["quarter", "trust_code"]])).to_numpy(),
                       index=frame.index)
    return frame.assign(trust_name=frame["trust_name"].where(chosen.isna(), chosen).astype("str"))


def _limit_problems(name: str, frames: list[pd.DataFrame]) -> list[Problem]:
    """The quarters and trusts of a load against :mod:`oversight._limits`."""
    quarters = set().union(*(f["quarter"].unique() for f in frames))
    trusts = set().union(*(f["trust_code"].unique() for f in frames))
    problems = []
    if len(quarters) > _limits.MAX_QUARTERS:
        problems.append(Problem(name, f"the load holds {len(quarters):,} quarters; at most {_limits.MAX_QUARTERS} "
                                "can be loaded together.", f"Load at most {_limits.MAX_QUARTERS} quarters at a time "
                                "(split the file by quarter or year).", column="quarter"))
    if len(trusts) > _limits.MAX_TRUSTS:
        problems.append(Problem(name, f"the load holds {len(trusts):,} trusts; at most {_limits.MAX_TRUSTS:,} can be "
                                "loaded together.", "Load fewer trusts at a time (split the file by trust type or "
                                "region).", column="trust_code"))
    return problems
