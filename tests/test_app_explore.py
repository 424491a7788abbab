"""What NHS England's dashboard users look for (issue 9): the sidebar's trust types and quarters, a region filter,
trusts side by side, one metric's trend, every trust's domain segments, and the method page's live figures, each
checked against the engine run on NHS England's real files."""

import pandas as pd
import pytest

import oversight as nof
from oversight import catalogue as cat
from tests.apptest_helpers import AMR, COMPARE, CONFIDENCE, METHOD, MHC_LINK, OVERVIEW, open_app, table_with, texts

Q1, Q4 = "Q1 2025/26", "Q4 2025/26"
WIRRAL = "RY7"


@pytest.fixture(scope="module")
def default_assessment(default_data):
    return nof.assess(default_data)


def test_a_newcomer_sees_the_acute_table_and_reaches_each_types_latest_quarter_in_one_click():
    at = open_app(AMR)
    assert at.sidebar.selectbox(key="trust_type").value == cat.ACUTE
    assert at.sidebar.selectbox(key="quarter").value == Q1
    assert len(table_with(at, "rank", "trust_name")) == 134
    latest = [b for b in at.sidebar.button if b.key == "latest-mhc"]
    assert len(latest) == 1 and "Q4 2025/26" in latest[0].label
    latest[0].click().run()
    assert (at.sidebar.selectbox(key="trust_type").value, at.sidebar.selectbox(key="quarter").value) == (cat.MHC, Q4)
    assert len(table_with(at, "rank", "trust_name")) == 61
    assert [b.key for b in at.sidebar.button if b.key.startswith("latest-")] == ["latest-acute"]


def test_a_type_without_the_chosen_quarter_says_so_and_shows_its_own():
    at = open_app(AMR, {"type": "acute", "quarter": Q4})
    notes = texts(at, ("info",))
    assert any("Acute trusts have data for Q1 2025/26 only" in n and "this shows Q1 2025/26" in n for n in notes)
    assert len(table_with(at, "rank", "trust_name")) == 134  # never an empty page


def test_the_non_specialist_switch_works_on_the_acute_table(default_assessment):
    at = open_app(AMR, {"nonspec": "1"})
    shown = table_with(at, "rank", "trust_name")
    trusts = default_assessment.trusts
    general = trusts[(trusts["quarter"] == Q1) & (trusts["trust_type"] == cat.ACUTE)
                     & ~trusts["trust_subtype"].str.contains("Specialist")]
    assert len(shown) == len(general) < 134
    assert shown["trust_name"].iloc[0] == "Northumbria Healthcare NHS Foundation Trust"


def test_the_region_filter_keeps_the_whole_tables_ranks(default_assessment):
    at = open_app(AMR, MHC_LINK | {"region": "London"})
    shown = table_with(at, "rank", "trust_name").set_index("trust_name")["rank"]
    t = default_assessment.trusts
    london = t[(t["quarter"] == Q4) & (t["trust_type"] == cat.MHC) & (t["region"] == "London")]
    assert dict(shown) == dict(zip(london["trust_name"], london["rank"]))
    assert shown["Central and North West London NHS Foundation Trust"] == 2  # its rank among all 61
    assert at.query_params["region"] == "London"  # and the link keeps it


def test_a_region_the_table_does_not_have_is_named_and_left_out():
    at = open_app(AMR, MHC_LINK | {"region": "Atlantis"})
    assert any("region" in w and "Atlantis" in w for w in texts(at, ("warning",)))
    assert len(table_with(at, "rank", "trust_name")) == 61


@pytest.fixture(scope="module")
def compare_wirral():
    at = open_app(COMPARE, MHC_LINK | {"trust": WIRRAL})
    assert not at.exception
    return at


def test_compare_opens_on_the_highlighted_trust_and_two_more_side_by_side(compare_wirral, default_assessment):
    chosen = compare_wirral.multiselect(key="compare").value
    assert len(chosen) == 3 and chosen[0] == WIRRAL
    grid = table_with(compare_wirral, "Metric").set_index("Metric")
    wirral = "Wirral Community Health and Care NHS Foundation Trust"
    assert grid.loc["Rank", wirral] == "10 of 61"
    assert grid.loc["Sickness absence", wirral] == "7.49 %, 52nd of 61"
    t = default_assessment.trusts.set_index(["quarter", "trust_code"])
    for code in chosen:
        name = t.loc[(Q4, code), "trust_name"]
        assert grid.loc["Rank", name] == f"{t.loc[(Q4, code), 'rank']} of 61"


def test_compare_shows_one_metrics_trend_across_quarters(compare_wirral, default_data):
    """The trend opens on a metric with a raw value that every chosen trust reports; each cell is NHS England's
    raw value for that trust and quarter."""
    trend = table_with(compare_wirral, "trust_name", Q1, Q4).set_index("trust_name")
    metric = compare_wirral.selectbox(key="trend_metric").value
    chosen = compare_wirral.multiselect(key="compare").value
    m = default_data.metrics
    raw = m[(m["metric_id"] == cat.raw_id(metric)) & m["trust_code"].isin(chosen)]
    assert raw[raw["quarter"] == Q4]["trust_code"].nunique() == 3
    expected = raw.pivot_table(index="trust_name", columns="quarter", values="value", aggfunc="first")
    assert set(trend.index) == set(expected.index)
    for name in trend.index:
        assert trend.loc[name, expected.columns].tolist() == pytest.approx(expected.loc[name].tolist(), nan_ok=True)


def test_every_trusts_domain_segments_in_one_table(compare_wirral, default_assessment):
    domains = table_with(compare_wirral, "trust_name", "People and workforce")
    assert len(domains) == 61
    wirral = domains[domains["trust_name"] == "▶ Wirral Community Health and Care NHS Foundation Trust"].iloc[0]
    assert wirral["People and workforce"] == 4
    d = default_assessment.domains
    engine = d[(d["quarter"] == Q4) & (d["domain"] == "People and workforce")]
    assert (domains["People and workforce"].value_counts().to_dict()
            == engine["domain_segment"].value_counts().to_dict())


def test_the_method_page_recomputes_the_reproduction_from_the_loaded_files(default_data):
    at = open_app(METHOD)
    assert not at.exception
    shown = table_with(at, "what", "trust_type", "published", "exact")
    expected = nof.reproduce(default_data).by_type()
    core = expected[~expected["what"].str.startswith("likely")]
    merged = shown.merge(core, on=["what", "trust_type"], suffixes=("", "_engine"))
    assert len(merged) == len(core)
    assert (merged["exact"] == merged["exact_engine"]).all()
    assert (merged["published"] == merged["published_engine"]).all()
    average = shown[(shown["what"] == "average score (2 dp)") & (shown["trust_type"] == cat.ACUTE)].iloc[0]
    assert (average["published"], average["exact"]) == (134, 134)  # NHS England published 134 acute averages


def test_the_method_page_lists_every_metrics_rule_and_marks_the_open_ones(default_assessment):
    at = open_app(METHOD)
    catalogue = table_with(at, "metric_id", "rule", "rule_known")
    assert set(catalogue["metric_id"]) == set(default_assessment.scores["metric_id"])
    assert set(catalogue.loc[~catalogue["rule_known"], "metric_id"]) == {"OF1048", "OF1088"}  # E. coli, C. difficile
    infections = catalogue.set_index("metric_id").loc[["OF1020", "OF1048", "OF1088"], "weight"]
    assert infections.round(4).tolist() == [0.3333] * 3


def test_the_overview_says_how_many_changes_are_within_the_noise():
    at = open_app(OVERVIEW, MHC_LINK)
    headline = [t for t in texts(at, ("markdown",)) if "changed segment into Q4" in t]
    assert headline and "18 stayed inside the previous quarter's likely range" in headline[0]
    changes = table_with(at, "trust_name", "noise", "reason")
    assert (changes["noise"] == "inside").sum() == 18
    assert pd.Series(changes["reason"]).str.len().gt(0).all()


def test_compare_shows_whose_likely_ranges_it_quotes(compare_wirral):
    grid = table_with(compare_wirral, "Metric").set_index("Metric")
    wirral = "Wirral Community Health and Care NHS Foundation Trust"
    assert grid.loc["Likely range of rank", wirral] == "1 to 50 (NHS England)"  # their published Q4 range
    assert grid.loc["Likely range of average score", wirral] == "1.28 to 2.78 (NHS England)"


def test_the_region_filter_narrows_the_hidden_problems_and_the_changes_too(default_assessment):
    """Tables without a region column (the hidden problems, the segment changes) are filtered by the same rule."""
    t = default_assessment.trusts
    london = set(t[(t["quarter"] == Q4) & (t["trust_type"] == cat.MHC) & (t["region"] == "London")]["trust_name"])
    at = open_app(CONFIDENCE, MHC_LINK | {"region": "London"})
    hidden = table_with(at, "trust_name", "kind", "problem")
    assert len(hidden) > 0 and set(hidden["trust_name"]) <= london
    headline = next(x for x in texts(at, ("markdown",)) if "have a hidden problem" in x or "has a hidden" in x)
    strong = int(headline.split(" of the ")[1].split()[0])
    assert len(hidden) <= strong <= len(london)
    overview = open_app(OVERVIEW, MHC_LINK | {"region": "London"})
    changes = table_with(overview, "trust_name", "noise", "reason")
    assert set(changes["trust_name"]) <= london
