"""The uncertainty story on screen (issue 9), checked against NHS England's published Q4 league table and data file:
whose likely ranges, the hidden problems and where they appear, the profile that opens on a trust, the sidebar's
types and quarters."""

import pytest

from tests.apptest_helpers import (
    AMR,
    CONFIDENCE,
    MHC_LINK,
    OVERVIEW,
    PROFILE,
    as_read,
    metrics,
    open_app,
    table_with,
    texts,
)

WIRRAL = "RY7"


@pytest.fixture(scope="module")
def amr_mhc():
    at = open_app(AMR, MHC_LINK)
    assert not at.exception
    return table_with(at, "rank", "score_range", "rank_range", "range_by").set_index("trust_name")


@pytest.mark.parametrize("trust, column, published", [
    ("Kent Community Health NHS Foundation Trust", "score_range", "1.20 to 1.89"),
    ("Central and North West London NHS Foundation Trust", "rank_range", "1 to 9"),
    ("Central London Community Healthcare NHS Trust", "rank_range", "1 to 34"),
])
def test_the_amr_page_shows_nhs_englands_published_ranges_labelled_as_theirs(amr_mhc, trust, column, published):
    """The figures are NHS England's Q4 2025/26 league table's (Kent's score range is published as 1.2 to 1.89)."""
    assert amr_mhc.loc[trust, column] == published
    assert amr_mhc.loc[trust, "range_by"] == "NHS England"


def test_the_acute_table_has_no_published_ranges_and_says_they_are_ours():
    at = open_app(AMR)
    table = table_with(at, "rank", "range_by")
    assert len(table) == 134 and set(table["range_by"]) == {"our estimate"}
    assert any("NHS England published none" in t for t in texts(at, ("caption",)))


def _hidden_headline(at) -> str:
    found = [t for t in texts(at, ("markdown",)) if "have a hidden problem" in t]
    assert len(found) == 1, texts(at, ("markdown",))
    return found[0]


def test_the_overview_names_wirrals_hidden_problem_beside_the_top_ten_with_a_count_in_words():
    at = open_app(OVERVIEW, MHC_LINK)
    headline = _hidden_headline(at)
    assert headline.startswith("18 of the 30 mental health and community trusts that look strong")
    listed = [t for t in texts(at, ("markdown",)) if "Wirral" in t]
    assert listed and "Sickness absence 7.49 %, 52nd of 61; People and workforce in segment 4" in listed[0]


def test_the_confidence_page_lists_every_hidden_problem_and_fragile_position():
    at = open_app(CONFIDENCE, MHC_LINK)
    hidden = table_with(at, "trust_name", "kind", "problem")
    assert hidden["kind"].value_counts().to_dict() == {"hidden problem": 18, "fragile position": 9}
    wirral = hidden[hidden["trust_name"].str.startswith("Wirral")].iloc[0]
    assert wirral["kind"] == "hidden problem" and "Sickness absence 7.49 %" in wirral["problem"]
    assert hidden["trust_name"].iloc[0] != wirral["trust_name"]  # ordered by severity, not by rank


def test_wirrals_profile_flags_its_hidden_problem_under_its_rank():
    at = open_app(PROFILE, MHC_LINK | {"trust": WIRRAL})
    assert metrics(at)["Rank"] == "10 of 61"
    assert len(at.error) == 1
    flag = as_read(at.error[0].value)
    assert "Strong overall, struggling somewhere" in flag and "Sickness absence 7.49 %, 52nd of 61" in flag
    assert "People and workforce in segment 4" in flag


@pytest.mark.parametrize("link", [{}, MHC_LINK, MHC_LINK | {"quarter": "Q1 2025/26"}])
def test_a_profile_with_no_trust_chosen_opens_on_the_top_of_the_table(link):
    at = open_app(PROFILE, link)
    assert not at.exception
    assert metrics(at)["Rank"].startswith("1 of ")
    assert any("this is the top of the table" in t for t in texts(at, ("info",)))
    assert len(at.subheader) >= 4 and len(table_with(at, "quarter", "rank")) >= 1  # then charts and tables


@pytest.mark.parametrize("link, step", [(MHC_LINK, 1), ({}, 4)],
                         ids=["every mental health and community trust, Q4", "every 4th acute trust, Q1"])
def test_each_trusts_profile_opens_with_content(link, step):
    """Trusts of the table chosen in turn in the sidebar (every 4th of the 134 acute trusts, to keep the suite
    short): each profile shows its own name, rank, metrics and history, with no error."""
    at = open_app(PROFILE, link)
    names = list(at.sidebar.selectbox(key="trust").options)
    assert len(names) == (61 if link else 134)
    for index in range(0, len(names), step):
        at.sidebar.selectbox(key="trust").select_index(index).run()
        assert not at.exception, names[index]
        assert as_read(at.header[0].value) == names[index]
        assert metrics(at)["Rank"].endswith(f" of {len(names)}"), names[index]
        assert at.subheader[0].value == "Each metric against its peers", names[index]


@pytest.mark.parametrize("page, columns", [(AMR, ("rank", "trust_name", "range_by")),
                                           (OVERVIEW, ("rank", "trust_name")),
                                           (CONFIDENCE, ("trust_name", "kind", "problem"))])
def test_the_highlighted_trust_is_marked_in_tables_as_in_charts(page, columns):
    at = open_app(page, MHC_LINK | {"trust": WIRRAL})
    names = table_with(at, *columns)["trust_name"]
    wirral = "Wirral Community Health and Care NHS Foundation Trust"
    assert (names == "▶ " + wirral).sum() == 1 and wirral not in set(names)
    assert names.str.startswith("▶").sum() == 1
