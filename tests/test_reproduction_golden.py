"""Every published NHS England figure the engine reproduces or misses, pinned (tests/golden/, written by
tools/pin_reproduction.py): a change that reproduces more, or less, fails here until the golden files are rewritten,
so it shows up in review as a diff of what was reproduced and why."""

from __future__ import annotations

import pandas as pd
import pytest

from oversight.reproduction import Reproduction
from tools import pin_reproduction


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    return pin_reproduction.current()


@pytest.mark.parametrize("name", ["summary", "misses"])
def test_reproduction_is_as_pinned(texts, name):
    path = pin_reproduction.FILES[name]
    pinned = path.read_text()
    if texts[name] != pinned:
        import io

        now, then = (pd.read_csv(io.StringIO(t), dtype=str, keep_default_na=False) for t in (texts[name], pinned))
        gained = now.merge(then, how="left", indicator=True).query("_merge == 'left_only'")
        lost = then.merge(now, how="left", indicator=True).query("_merge == 'left_only'")
        pytest.fail(f"{path.name} differs from what the engine computes now (run tools/pin_reproduction.py if the "
                    f"change is meant).\nnew rows:\n{gained.drop(columns='_merge').to_string()}\n"
                    f"rows gone:\n{lost.drop(columns='_merge').to_string()}")


def test_every_average_segment_and_rank_of_both_real_files_is_reproduced(texts):
    import io

    summary = pd.read_csv(io.StringIO(texts["summary"]))
    core = summary[~summary["what"].str.startswith(("domain", "likely"))]
    assert (core["exact"] == core["published"]).all(), core[core["exact"] != core["published"]]
    assert set(core["trust_type"]) == {"Acute trust", "Mental health and community trust"}
    assert core.groupby("trust_type")["published"].max().to_dict() == {
        "Acute trust": 134, "Mental health and community trust": 61}


def test_the_method_pages_totals_add_up_each_types_quarters(texts):
    """``Reproduction.by_type`` (the Method and sources page's first table): NHS England published 134 acute
    averages (Q1) and 244 mental health and community ones (Q1 to Q4), all reproduced; domain scores of the acute
    file 659 of 667 exact, all within 0.01."""
    import io

    summary = pd.read_csv(io.StringIO(texts["summary"]))
    totals = Reproduction(summary, pd.DataFrame()).by_type().set_index(["what", "trust_type"])
    assert totals.loc[("average score (2 dp)", "Acute trust"), ["published", "exact", "quarter"]].tolist() == [
        134, 134, "Q1"]
    assert totals.loc[("average score (2 dp)", "Mental health and community trust"), ["published", "exact",
                                                                                     "quarter"]].tolist() == [
        244, 244, "Q1, Q2, Q3, Q4"]
    acute_domains = totals.loc[("domain score (2 dp)", "Acute trust")]
    assert (acute_domains["published"], acute_domains["exact"], acute_domains["within_001"]) == (667, 659, 667)
    assert pd.isna(totals.loc[("league rank", "Acute trust"), "within_001"])
    assert totals["share"].between(0, 1).all()
