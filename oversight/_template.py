"""Our upload template: what it holds, in words, and a filled-in example built from real data.

The template is read like any other format (:data:`oversight._fileformats.TEMPLATE`); this module is what the
upload page shows and offers for download.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._load import Dataset

TEMPLATE_HELP = (
    "One row per trust and metric. Columns: quarter (optional, such as 'Q4 2025/26'), trust_code, trust_name, "
    "trust_type (Acute trust; Mental health and community trust; Ambulance trust), metric (a NOF metric ID such as "
    "OF0057 or OF1057, or its short name), value (the raw value) and/or score (1 best to 4 worst), and deficit "
    "(Yes/No, the financial override flag). A metric with a value but no score is scored among the uploaded trusts."
)


def template_example(dataset: Dataset, trusts: int = 6, quarter: str | None = None) -> pd.DataFrame:
    """A filled-in template.

    Parameters
    ----------
    dataset : Dataset
        Data with metric rows (``metrics``).
    trusts : int
        How many trusts (the first by code).
    quarter : str, optional
        Default: the latest quarter of ``dataset``.

    Returns
    -------
    DataFrame
        Columns ``quarter``, ``trust_code``, ``trust_name``, ``trust_type``, ``metric``, ``value``, ``score`` and
        ``deficit``: every counted metric of each trust with its raw value and published score, and its deficit flag.
    """
    from .scoring import metric_scores

    quarter = quarter or dataset.quarters[-1]
    scores = metric_scores(dataset.metrics[dataset.metrics["quarter"] == quarter], deround=False)
    codes = sorted(scores["trust_code"].unique())[:trusts]
    rows = scores[scores["trust_code"].isin(codes) & scores["counted"]]
    flags = dataset.metrics[(dataset.metrics["metric_id"] == "OF5004") & (dataset.metrics["quarter"] == quarter)]
    deficit = flags.set_index("trust_code")["value"].reindex(rows["trust_code"]).fillna(0).to_numpy()
    return pd.DataFrame({
        "quarter": rows["quarter"].to_numpy(),
        "trust_code": rows["trust_code"].to_numpy(),
        "trust_name": rows["trust_name"].to_numpy(),
        "trust_type": rows["trust_type"].to_numpy(),
        "metric": rows["metric_id"].to_numpy(),
        "value": rows["value"].to_numpy(),
        "score": rows["score_published"].round(2).to_numpy(),
        "deficit": np.where(deficit == 1, "Yes", "No"),
    })
