"""Inputs that try to be markdown, for the AppTest scan (tests/test_app_hostile.py) and the browser test: every
free-text field of our template (quarter, trust code, trust name) and the file name hold a payload."""

from __future__ import annotations

import pandas as pd

PAYLOADS = ["![q](http://example.invalid/x.png)", "[click](javascript:alert(1))", "http://example.invalid",
            "www.example.invalid", "<img src=x>", "**bold**", "$x$", ":material/home:", "nobody@example.invalid",
            ":red[red]"]
QUARTERS = ["**Q1** ![q](http://example.invalid/q.png) http://example.invalid/q1",
            "$Q2$ [click](javascript:alert(1)) :material/home: www.example.invalid"]
FILE_NAME = "![f](http://example.invalid/f.png) **f**.csv"


def hostile_template(example: pd.DataFrame) -> pd.DataFrame:
    """The template example in two quarters whose every free-text field (quarter, trust code, trust name) is a
    payload; names and codes stay unique."""
    frames = []
    for quarter in QUARTERS:
        frame = example.assign(quarter=quarter)
        for i, code in enumerate(example["trust_code"].unique()):
            rows = frame["trust_code"] == code
            frame.loc[rows, "trust_name"] = f"{PAYLOADS[i % len(PAYLOADS)]} {i}"
            frame.loc[rows, "trust_code"] = f"{PAYLOADS[(i + 3) % len(PAYLOADS)]}#{i}"
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
