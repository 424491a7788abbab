"""pandera schemas: the contract at every edge (files read in, tables the engine hands out).

Why pandera rather than hand-written checks: one declarative schema per frame documents the columns and their
rules in one place, ``validate(lazy=True)`` reports every failing cell at once (turned into
:class:`~oversight.problems.Problem` rows for the user), and the same schemas check the engine's outputs in the tests.
The readers (:mod:`oversight._fileformats`) catch the faults a person makes (and word the fix); the schemas here
are the final guarantee that what the engine computes on has the right shape.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from . import catalogue as cat
from .problems import InputError, Problem

_text = {"dtype": str, "nullable": False, "coerce": True}
_number = {"dtype": float, "nullable": True, "coerce": True}

#: The columns that say which trust and quarter a row is about, in both kinds of file.
_TRUST_FIELDS = {
    "quarter": pa.Column(**_text, checks=pa.Check.str_length(min_value=1)),
    "region": pa.Column(**_text),
    "trust_type": pa.Column(**_text, checks=pa.Check.isin(cat.TRUST_TYPES)),
    "trust_subtype": pa.Column(**_text),
    "trust_code": pa.Column(**_text, checks=pa.Check.str_length(min_value=1)),
    "trust_name": pa.Column(**_text),
}

METRICS = pa.DataFrameSchema(
    {
        **_TRUST_FIELDS,
        "domain": pa.Column(**_text),
        "subdomain": pa.Column(**_text),
        "metric_id": pa.Column(**_text, checks=pa.Check.str_matches(r"^OF\d{4}$")),
        "metric_description": pa.Column(**_text),
        "reporting_date": pa.Column(**_text),
        "units": pa.Column(**_text),
        "value": pa.Column(float, nullable=False, coerce=True),
        "median": pa.Column(**_number),
        "lower_quartile": pa.Column(**_number),
        "upper_quartile": pa.Column(**_number),
        "rank": pa.Column(**_number),
        "source": pa.Column(**_text),
        "row": pa.Column(int, coerce=True),
    },
    checks=[
        pa.Check(lambda f: ~f["metric_id"].str.match(r"OF1\d{3}") | f["value"].between(1, 4),
                 element_wise=False, error="scores lie between 1 and 4"),
    ],
    unique=["quarter", "trust_code", "metric_id"],
    strict=True,
    name="NOF metric rows",
)

LEAGUE = pa.DataFrameSchema(
    {
        **_TRUST_FIELDS,
        "average_score": pa.Column(float, pa.Check.in_range(1, 4), coerce=True),
        "score_lo": pa.Column(**_number),
        "score_hi": pa.Column(**_number),
        "segment": pa.Column(float, pa.Check.isin([1, 2, 3, 4, 5]), nullable=True, coerce=True),
        "deficit": pa.Column(bool, coerce=True),
        "rank": pa.Column(**_number),
        "rank_lo": pa.Column(**_number),
        "rank_hi": pa.Column(**_number),
        "source": pa.Column(**_text),
        "row": pa.Column(int, coerce=True),
    },
    unique=["quarter", "trust_code"],
    strict=True,
    name="NOF league-table rows",
)

#: The engine's per-trust assessment (see :func:`oversight.assess`).
ASSESSMENT = pa.DataFrameSchema(
    {
        "quarter": pa.Column(str),
        "trust_type": pa.Column(str, pa.Check.isin(cat.TRUST_TYPES)),
        "trust_code": pa.Column(str),
        "n_metrics": pa.Column(int, pa.Check.ge(1)),
        "average_score": pa.Column(float, pa.Check.in_range(1, 4)),
        "average_score_2dp": pa.Column(float, pa.Check.in_range(1, 4)),
        "unadjusted_segment": pa.Column(int, pa.Check.isin([1, 2, 3, 4])),
        "deficit": pa.Column(bool),
        "segment": pa.Column(int, pa.Check.isin([1, 2, 3, 4])),
        "rsp": pa.Column(bool),
        "final_segment": pa.Column(int, pa.Check.isin([1, 2, 3, 4, 5])),
        "rank": pa.Column(int, pa.Check.ge(1)),
    },
    unique=["quarter", "trust_code"],
    strict=False,
    name="assessment",
)

def validate_frame(schema: pa.DataFrameSchema, frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Validate a frame read from file ``name`` (each file format names its schema); any failure becomes an
    :class:`InputError` naming rows."""
    try:
        return schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        problems = []
        cases = err.failure_cases
        for _, case in cases.head(20).iterrows():
            index = case.get("index")
            row = None
            if index is not None and not pd.isna(index) and index in frame.index:
                row = int(frame.loc[index, "row"])
            column = case.get("column") if isinstance(case.get("column"), str) else None
            problems.append(Problem(name, f"failed the check '{case['check']}' with {case['failure_case']!r}.",
                                    "Correct that cell.", row=row, column=column))
        raise InputError(problems) from None
