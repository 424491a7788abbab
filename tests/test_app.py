"""The app through Streamlit's AppTest: every page opens, shows the engine's numbers, keeps the sidebar across pages
and in the URL, handles uploads per session and safely, and the what-if page shows who moves.

Expected numbers are computed here with the engine (``oversight``) on NHS England's files, independently of the
pages. Helpers live in tests/apptest_helpers.py.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import oversight as nof
import ui.show
from oversight import catalogue, io
from tests.apptest_helpers import (
    AMR,
    IMR,
    MHC_LINK,
    PAGES,
    PROFILE,
    WHAT_IF,
    MediaCapture,
    as_read,
    go,
    markdown_texts,
    metrics,
    open_app,
    table_with,
    template_bytes,
    texts,
    upload,
)

Q4 = "Q4 2025/26"
Q2 = "Q2 2025/26"
MHC = catalogue.MHC
LEAGUE_COLUMNS = ["rank", "trust_name", "final_segment", "average_score_2dp"]


pytestmark = pytest.mark.usefixtures("fresh_caches")  # each test starts from empty Streamlit caches


@pytest.fixture(scope="module")
def example(mhc_dataset) -> pd.DataFrame:
    """The template's example: six real trusts, Q4."""
    return io.template_example(mhc_dataset)


def engine_table(assessment: nof.Assessment, quarter: str) -> pd.DataFrame:
    """The engine's league table of one quarter for mental health and community trusts, as the pages show it."""
    table = assessment.quarter(quarter)
    table = table[table["trust_type"] == MHC]
    return table.sort_values(["rank", "trust_name"]).reset_index(drop=True)


def shown(frame: pd.DataFrame, columns=LEAGUE_COLUMNS) -> pd.DataFrame:
    """A table on screen in a comparable form: chosen columns, plain dtypes, sorted by rank then name (the
    highlighted trust's name without its on-screen mark)."""
    out = frame[columns].assign(trust_name=frame["trust_name"].str.removeprefix(ui.show.MARK))
    out = out.sort_values(["rank", "trust_name"]).reset_index(drop=True)
    return out.astype({c: "float64" for c in columns if c != "trust_name"})


# ---------------------------------------------------------------------------------------------------------------
# 1. Every page opens on the default data


@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_on_default_data(page):
    at = open_app()
    assert not at.exception
    go(at, page)
    assert at.title, f"{page} drew no title"


# ---------------------------------------------------------------------------------------------------------------
# 2. Key numbers against the engine


def test_overview_numbers_match_engine(mhc_assessment):
    at = open_app(query_params=MHC_LINK)
    q4 = engine_table(mhc_assessment, Q4)
    scores = mhc_assessment.scores
    counted = scores[(scores["quarter"] == Q4) & scores["counted"] & (scores["trust_type"] == MHC)]["score"]
    shown_metrics = metrics(at)
    assert shown_metrics["Trusts"] == "61" == str(len(q4))
    assert shown_metrics["In segment 1"] == "14" == str(int((q4["final_segment"] == 1).sum()))
    assert shown_metrics["In financial deficit"] == "12" == str(int(q4["deficit"].sum()))
    assert shown_metrics["National average score"] == f"{counted.mean():.2f}"


def test_amr_table_matches_engine(mhc_assessment):
    at = go(open_app(query_params=MHC_LINK), AMR)
    table = table_with(at, "rank", "trust_name", "rank_range")
    assert table.iloc[0]["trust_name"] == "Kent Community Health NHS Foundation Trust"
    assert table.iloc[0]["rank"] == 1
    assert len(table) == 61
    pd.testing.assert_frame_equal(shown(table), shown(engine_table(mhc_assessment, Q4)))


def test_imr_page_shows_engine_ranks(mhc_assessment):
    at = go(open_app(query_params=MHC_LINK), IMR)
    at.selectbox(key="metric").set_value("OF1057").run()
    assert not at.exception
    table = table_with(at, "imr_rank", "trust_name", "peer_lower_quartile")
    s = mhc_assessment.scores
    expected = s[(s["quarter"] == Q4) & (s["trust_type"] == MHC) & (s["metric_id"] == "OF1057")]
    expected = expected.sort_values(["imr_rank", "trust_name"]).reset_index(drop=True)
    assert metrics(at)["Trusts scored"] == str(len(expected))
    assert table["trust_name"].tolist() == expected["trust_name"].tolist()
    assert table["imr_rank"].tolist() == expected["imr_rank"].tolist()
    assert table["score"].round(6).tolist() == expected["score"].round(6).tolist()


def test_trust_profile_tavistock(mhc_assessment):
    at = open_app(query_params=MHC_LINK)
    at.sidebar.selectbox(key="trust").set_value("RNK").run()
    go(at, PROFILE)
    row = engine_table(mhc_assessment, Q4).set_index("trust_code").loc["RNK"]
    assert (row["rank"], row["final_segment"]) == (50, 4)
    assert [h.value for h in at.header] == ["Tavistock and Portman NHS Foundation Trust"]
    assert metrics(at)["Rank"] == "50 of 61"
    assert metrics(at)["Segment"] == "4"
    closure = [w.value for w in at.warning if "closing" in w.value]
    assert len(closure) == 1 and "31 March 2026" in closure[0]


# ---------------------------------------------------------------------------------------------------------------
# 3. The sidebar survives page switches


def test_sidebar_values_survive_page_switches(mhc_assessment):
    at = open_app(query_params=MHC_LINK)
    at.sidebar.selectbox(key="quarter").set_value(Q2).run()
    at.sidebar.selectbox(key="trust").set_value("RWX").run()
    q2 = engine_table(mhc_assessment, Q2)
    rwx = q2.set_index("trust_code").loc["RWX"]
    assert metrics(at)["Trusts"] == str(len(q2))

    go(at, AMR)
    assert at.sidebar.selectbox(key="quarter").value == Q2
    assert at.sidebar.selectbox(key="trust").value == "RWX"
    assert any(Q2 in c for c in texts(at, ("caption",)))
    pd.testing.assert_frame_equal(shown(table_with(at, "rank", "rank_range")), shown(q2))
    assert any(rwx["trust_name"] in i and f"ranks {rwx['rank']}" in i for i in texts(at, ("info",)))

    go(at, PROFILE)
    assert at.sidebar.selectbox(key="quarter").value == Q2
    assert at.sidebar.selectbox(key="trust").value == "RWX"
    assert [h.value for h in at.header] == [ui.show.plain(rwx["trust_name"])]
    assert "RWX" in at.caption[0].value and Q2 in at.caption[0].value
    assert metrics(at)["Rank"] == f"{rwx['rank']} of {len(q2)}"
    assert metrics(at)["Segment"] == str(rwx["final_segment"])
    assert at.query_params["quarter"] == Q2 and at.query_params["trust"] == "RWX"


# ---------------------------------------------------------------------------------------------------------------
# 4. The URL reopens the same view


def test_link_opens_amr_view_and_is_written_back(mhc_assessment):
    at = open_app(AMR, {"quarter": Q2, "trust": "RWX", "type": "mhc"})
    assert not at.exception
    assert at.sidebar.selectbox(key="quarter").value == Q2
    assert at.sidebar.selectbox(key="trust").value == "RWX"
    assert at.sidebar.selectbox(key="trust_type").value == MHC
    pd.testing.assert_frame_equal(shown(table_with(at, "rank", "rank_range")), shown(engine_table(mhc_assessment, Q2)))
    assert at.query_params == {"data": "default", "quarter": Q2, "type": "mhc", "nonspec": "0", "trust": "RWX"}
    # Changing a filter rewrites the URL.
    at.sidebar.selectbox(key="quarter").set_value("Q3 2025/26").run()
    assert at.query_params["quarter"] == "Q3 2025/26"


def test_link_opens_imr_metric(mhc_assessment):
    at = open_app(IMR, {"quarter": "Q3 2025/26", "trust": "RWX", "metric": "OF1057", "type": "mhc"})
    assert not at.exception
    assert at.selectbox(key="metric").value == "OF1057"
    assert at.sidebar.selectbox(key="quarter").value == "Q3 2025/26"
    s = mhc_assessment.scores
    mine = s[(s["quarter"] == "Q3 2025/26") & (s["metric_id"] == "OF1057") & (s["trust_code"] == "RWX")].iloc[0]
    assert metrics(at)["Highlighted trust"].startswith(f"rank {mine['imr_rank']} of ")
    highlighted = next(m for m in at.metric if m.label == "Highlighted trust")
    assert as_read(highlighted.help).startswith(mine["trust_name"] + ":")
    assert at.query_params["metric"] == "OF1057" and at.query_params["quarter"] == "Q3 2025/26"


def test_link_opens_what_if_method():
    params = {"quarter": Q2, "banding": "fixed", "cuts": "2.0,2.3,2.6", "override": "off", "rescore": "1",
              "drop": "OF1057", "dropdom": "finance", "weights": "access:2", "type": "mhc"}
    at = open_app(WHAT_IF, params)
    assert not at.exception
    assert at.radio(key="banding").value == "fixed"
    assert at.text_input(key="cuts").value == "2.0,2.3,2.6"
    assert at.toggle(key="override").value is False
    assert at.toggle(key="rescore").value is True
    assert at.multiselect(key="drop_metrics").value == ["OF1057"]
    assert at.multiselect(key="drop_domains").value == ["Finance and productivity"]
    assert at.number_input(key="weight-access").value == 2.0
    caption = " ".join(texts(at, ("caption",)))
    assert "financial override off" in caption
    # Written back in full (weights of every domain spelt out), so the link keeps working.
    assert {k: at.query_params[k] for k in params if k != "weights"} == {k: v for k, v in params.items()
                                                                         if k != "weights"}
    assert at.query_params["weights"].startswith("access:2,")


def test_copied_link_gives_same_view_in_a_new_session():
    a = open_app(query_params=MHC_LINK)
    a.sidebar.selectbox(key="quarter").set_value(Q2).run()
    a.sidebar.selectbox(key="trust").set_value("RWX").run()
    go(a, WHAT_IF)
    a.radio(key="banding").set_value("fixed").run()
    a.text_input(key="cuts").set_value("2.0,2.3,2.6").run()
    a.toggle(key="override").set_value(False).run()
    a.multiselect(key="drop_domains").set_value(["Finance and productivity"]).run()
    a.number_input(key="weight-access").set_value(2.0).run()
    assert not a.exception
    link = dict(a.query_params)
    assert link["quarter"] == Q2 and link["trust"] == "RWX" and link["banding"] == "fixed"
    assert link["override"] == "off" and link["dropdom"] == "finance" and link["weights"].startswith("access:2")

    b = open_app(WHAT_IF, link)
    assert not b.exception
    assert dict(b.query_params) == link
    assert metrics(b) == metrics(a)
    assert int(metrics(b)["Trusts changing segment"]) > 0
    tables_a = [d.value for d in a.dataframe]
    tables_b = [d.value for d in b.dataframe]
    assert len(tables_a) == len(tables_b) >= 2
    for left, right in zip(tables_a, tables_b):
        pd.testing.assert_frame_equal(left, right)


# ---------------------------------------------------------------------------------------------------------------
# 5. Uploads: this session only, safely


def amr_trusts(at) -> int:
    go(at, AMR)
    return len(table_with(at, "rank", "rank_range"))


def test_upload_example_then_broken_file_keeps_last_good_upload(example):
    at = open_app()
    upload(at, ("example.csv", template_bytes(example)))
    assert [s.value for s in at.success] and at.success[0].value.startswith("Read: example\\.csv")
    assert "6 trusts" in at.success[0].value
    assert at.session_state["dataset"] == "upload"
    assert at.sidebar.radio(key="dataset").value == "upload"
    assert any("Your upload" in c and "example" in c for c in texts(at.sidebar, ("caption",)))
    assert len(table_with(at, "rank", "n_metrics")) == 6
    assert amr_trusts(at) == 6

    upload(at, ("broken.xlsx", b"PK\x03\x04" + bytes(200)))
    assert len(at.error) == 1
    assert "broken\\.xlsx could not be used" in at.error[0].value
    assert "your previous upload" in at.error[0].value
    problems = table_with(at, "severity", "problem", "fix")
    assert len(problems) >= 1 and (problems["file"] == "broken.xlsx").all()
    assert at.session_state["dataset"] == "upload"
    assert amr_trusts(at) == 6


def test_failed_first_upload_keeps_default_data():
    at = open_app()
    upload(at, ("broken.xlsx", b"PK\x03\x04" + bytes(200)))
    assert len(at.error) == 1 and "NHS England's default data" in at.error[0].value
    assert not at.sidebar.radio  # no upload to choose
    assert amr_trusts(at) == 134  # the default view: NHS England's 134 acute trusts in Q1


def test_uploads_belong_to_their_own_session(mhc_dataset, example):
    a = open_app(query_params=MHC_LINK)
    b = open_app(query_params=MHC_LINK)
    upload(a, ("example.csv", template_bytes(example)))
    upload(b, ("example4.csv", template_bytes(io.template_example(mhc_dataset, trusts=4))))
    assert amr_trusts(a) == 6
    assert amr_trusts(b) == 4
    assert amr_trusts(open_app(query_params=MHC_LINK)) == 61
    # A's link names its upload, which a new session cannot have: it says so and shows the default data.
    c = open_app(AMR, dict(a.query_params))
    assert a.query_params["data"] == "upload"
    assert not c.exception
    assert any("belongs to another session" in i for i in texts(c, ("info",)))
    assert len(table_with(c, "rank", "rank_range")) == 61
    assert c.query_params["data"] == "default"


def test_an_upload_whose_raw_value_changed_without_its_score_says_so_and_offers_to_rescore(example):
    frame = example.copy()
    rows = frame[(frame["metric"] == "OF1082") & frame["value"].notna()]
    worst = rows["score"].idxmax()  # the worst sickness absence of the six, its score left as it is
    frame.loc[worst, "value"] = rows["value"].min() - 1
    at = upload(open_app(query_params=MHC_LINK), ("edited.csv", template_bytes(frame)))
    warning = " ".join(texts(at, ("warning",)))
    assert "1 score(s) in your upload disagree with their own raw values" in warning
    assert "still uses the old scores" in warning
    stale = table_with(at, "why")
    assert stale[["trust_code", "metric_id"]].values.tolist() == [[frame.loc[worst, "trust_code"], "OF1082"]]
    old = table_with(at, "rank", "average_score_2dp").set_index("trust_code")["average_score_2dp"]
    at.toggle(key="upload_rescore").set_value(True).run()
    assert "uses scores worked out from the raw values" in " ".join(texts(at, ("warning",)))
    new = table_with(at, "rank", "average_score_2dp").set_index("trust_code")["average_score_2dp"]
    assert new[frame.loc[worst, "trust_code"]] < old[frame.loc[worst, "trust_code"]]


def test_an_upload_of_nhs_englands_own_values_gives_no_stale_warning(example):
    at = upload(open_app(query_params=MHC_LINK), ("example.csv", template_bytes(example)))
    assert not [w for w in texts(at, ("warning",)) if "disagree with their own raw values" in w]
    assert not at.toggle


def test_upload_official_league_table_agrees_with_official_ranking():
    path = Path(io.DEFAULT_LEAGUE)
    at = open_app()
    upload(at, (path.name, path.read_bytes()))
    assert "NOF league table" in at.success[0].value
    assert len(table_with(at, "rank", "n_metrics")) == 61
    comparison = [m for m in texts(at, ("markdown",)) if "of NHS England's" in m]
    assert len(comparison) == 1
    assert "61 of 61 trusts keep their segment; 0 change rank" in comparison[0]
    assert "Kendall's tau-b of the ranks 1.000" in comparison[0]
    # Nobody moves: the page says so instead of showing an empty movers table.
    assert any("Every trust keeps its official segment" in t for t in texts(at, ("success",)))
    assert not [d for d in at.dataframe if "rank_change" in d.value.columns]


# A league-table file holds averages, segments and ranks but no metric scores.
LEAGUE_ONLY_BUGS = {}  # app bugs found here, once marked xfail, are fixed; a new one goes here with its reason


@pytest.mark.parametrize("page", [
    pytest.param(p, marks=pytest.mark.xfail(reason=LEAGUE_ONLY_BUGS[p], strict=True)) if p in LEAGUE_ONLY_BUGS else p
    for p in PAGES])
def test_every_page_opens_on_a_league_table_upload(page):
    path = Path(io.DEFAULT_LEAGUE)
    at = open_app()
    upload(at, (path.name, path.read_bytes()))
    at.sidebar.selectbox(key="trust").set_value("RNK").run()
    at.switch_page(page).run()
    assert not at.exception, at.exception[0].message


# The template's example holds six trusts and no domain in segment 4.
EXAMPLE_BUGS = {}  # app bugs found here, once marked xfail, are fixed; a new one goes here with its reason


@pytest.mark.parametrize("page", [
    pytest.param(p, marks=pytest.mark.xfail(reason=EXAMPLE_BUGS[p], strict=True)) if p in EXAMPLE_BUGS else p
    for p in PAGES])
def test_every_page_opens_on_the_template_example(example, page):
    at = open_app()
    upload(at, ("example.csv", template_bytes(example)))
    at.sidebar.selectbox(key="trust").set_value(example["trust_code"].iloc[0]).run()
    at.switch_page(page).run()
    assert not at.exception, at.exception[0].message


def test_download_neutralises_formulas(example):
    """The table on screen and the bytes its download button is given are neutralised (the browser test clicks the
    button and reads the file it saves)."""
    evil = example.copy()
    code = evil["trust_code"].iloc[0]
    name = '=HYPERLINK("http://example.com","click")'
    evil.loc[evil["trust_code"] == code, "trust_name"] = name
    at = open_app()
    upload(at, ("evil.csv", evil.to_csv(index=False).encode()))  # not nof.to_csv: that would neutralise it
    assert at.success and "evil\\.csv" in at.success[0].value
    assert at.download_button(key=ui.show.element_key("csv", f"upload ranking {Q4}"))
    # The table on screen shows the neutralised text too (its own toolbar download is as safe as the button).
    table = table_with(at, "rank", "n_metrics")
    assert table.loc[table["trust_code"] == code, "trust_name"].iloc[0] == "'" + name
    assert ui.data.csv_bytes(table).count(b"'=HYPERLINK(") == 1  # neutralised once, not twice


MARKUP_NAME = "**bold** <b>x</b> [link](http://x)"


def marked_up_example(example) -> pd.DataFrame:
    """Every trust of the example renamed to a name full of markdown and HTML (numbered, so names stay unique)."""
    out = example.copy()
    for i, code in enumerate(out["trust_code"].unique()):
        out.loc[out["trust_code"] == code, "trust_name"] = f"{MARKUP_NAME} {i}"
    return out


def test_trust_profile_escapes_trust_name(example):
    evil = marked_up_example(example)
    code = evil["trust_code"].iloc[0]
    at = open_app()
    upload(at, ("names.csv", template_bytes(evil)))
    at.sidebar.selectbox(key="trust").set_value(code).run()
    go(at, PROFILE)
    name = evil.loc[evil["trust_code"] == code, "trust_name"].iloc[0]
    assert [h.value for h in at.header] == [ui.show.plain(name)]
    assert as_read(at.header[0].value) == name and "http\\:\u2060//x" in at.header[0].value
    for kind, text in markdown_texts(at):
        assert "**bold" not in text and "[link](" not in text and "<b>" not in text, (kind, text)


MARKUP_BUGS = {}  # app bugs found here, once marked xfail, are fixed; a new one goes here with its reason


def _markup_case(page):
    if page in MARKUP_BUGS:
        return pytest.param(page, marks=pytest.mark.xfail(reason=MARKUP_BUGS[page], strict=True))
    if page in EXAMPLE_BUGS:  # a separate bug, tested above; let this page draw so its text can be checked
        return pytest.param(page, marks=pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning"))
    return page


@pytest.mark.parametrize("page", [_markup_case(p) for p in PAGES])
def test_uploaded_trust_names_never_render_as_markdown(example, page):
    evil = marked_up_example(example)
    at = open_app()
    upload(at, ("names.csv", template_bytes(evil)))
    at.sidebar.selectbox(key="trust").set_value(evil["trust_code"].iloc[0]).run()
    go(at, page)
    raw = [(kind, text) for kind, text in markdown_texts(at)
           if "**bold" in text or "[link](" in text or "<b>" in text]
    assert not raw


# ---------------------------------------------------------------------------------------------------------------
# 6. What-if


def test_what_if_quartiles_without_override_moves_trusts(mhc_dataset, mhc_assessment):
    at = open_app(WHAT_IF, {"banding": "quartiles", "override": "off", "type": "mhc"})
    assert not at.exception
    assert at.radio(key="banding").value == "quartiles"
    assert at.toggle(key="override").value is False
    changed = nof.assess(mhc_dataset, nof.Method(banding=nof.PooledQuartiles(), override=False))
    _, agreement = nof.compare_tables(engine_table(mhc_assessment, Q4), engine_table(changed, Q4))
    shown_metrics = metrics(at)
    assert int(shown_metrics["Trusts changing segment"]) == agreement.segment_changes > 0
    assert int(shown_metrics["Trusts changing rank"]) == agreement.rank_changes
    assert float(shown_metrics["Kendall's tau-b of the ranks"]) < 1
    assert shown_metrics["Kendall's tau-b of the ranks"] == f"{agreement.kendall_tau:.3f}"
    assert not any("Nobody moves" in i for i in texts(at, ("info",)))
    movers = table_with(at, "rank_change", "segment_change")
    assert (movers["segment_change"] != 0).sum() == agreement.segment_changes


def test_what_if_default_method_nobody_moves():
    at = go(open_app(query_params=MHC_LINK), WHAT_IF)
    assert metrics(at)["Trusts changing segment"] == "0"
    assert metrics(at)["Kendall's tau-b of the ranks"] == "1.000"
    assert any("Nobody moves" in i for i in texts(at, ("info",)))


def test_what_if_editing_scores_changes_the_average(mhc_assessment):
    at = go(open_app(query_params=MHC_LINK), WHAT_IF)
    who = at.selectbox(key="whatif_trust").value
    editor = at.data_editor[0]
    assert editor.key == f"edit-{Q4}-{who}"
    edited_ids = editor.value["metric_id"].iloc[:2].tolist()
    # AppTest cannot type into a data editor; it takes the editor's edit state before a run instead.
    at.session_state[editor.key] = {"edited_rows": {0: {"score": 4.0}, 1: {"score": 4.0}}, "added_rows": [],
                                    "deleted_rows": []}
    at.run()
    assert not at.exception
    s = mhc_assessment.scores
    mine = s[(s["quarter"] == Q4) & (s["trust_code"] == who) & s["counted"]]
    new_scores = mine["score"].where(~mine["metric_id"].isin(edited_ids), 4.0)
    before = engine_table(mhc_assessment, Q4).set_index("trust_code").loc[who, "average_score_2dp"]
    movers = table_with(at, "rank_change", "segment_change").set_index("trust_code")
    assert movers.loc[who, "average_score_2dp_before"] == before
    assert movers.loc[who, "average_score_2dp_after"] == round(new_scores.mean(), 2) != before
    assert any("2 edited metric" in c for c in texts(at, ("caption",)))
    # The edits travel in the link: a new session opened on it shows the same what-if.
    assert at.query_params["wtrust"] == who
    assert at.query_params["edits"] == ",".join(f"{m}=s4" for m in edited_ids)
    shared = open_app(WHAT_IF, dict(at.query_params))
    assert not shared.exception and not texts(shared, ("warning",))
    assert table_with(shared, "rank_change", "segment_change").equals(table_with(at, "rank_change", "segment_change"))
    assert any("2 edited metric" in c for c in texts(shared, ("caption",)))


@pytest.mark.parametrize("edits, why", [("OF1082=vabc", "is not a number"), ("OF1082=s9", "from 1 to 4"),
                                        ("OF1999=s2", "no score for it"), ("drop table", "is not an edit")])
def test_a_what_if_link_with_an_edit_that_cannot_be_used_says_so_and_edits_nothing(edits, why):
    at = open_app(WHAT_IF, MHC_LINK | {"wtrust": "RY7", "edits": edits})
    assert not at.exception
    assert any("edits" in w and why in w for w in texts(at, ("warning",))), texts(at, ("warning",))
    assert metrics(at)["Trusts changing rank"] == "0"


def test_choosing_another_trust_to_edit_starts_from_its_published_figures():
    at = open_app(WHAT_IF, MHC_LINK | {"wtrust": "RY7", "edits": "OF1082=s1"})
    assert int(metrics(at)["Trusts changing rank"]) > 0
    at.selectbox(key="whatif_trust").set_value("RYY").run()  # Kent Community Health
    assert metrics(at)["Trusts changing rank"] == "0" and "edits" not in at.query_params


def test_chart_downloads_are_made_on_click_from_the_chart_on_screen(monkeypatch):
    """The overview's segment chart: its SVG and PNG are drawn when clicked (the spec is built again then; only the
    spec sent to the browser is kept), and the SVG holds the chart's own bars' labels."""
    media = MediaCapture(monkeypatch)
    at = open_app(query_params=MHC_LINK)
    buttons = {b.proto.label: b for b in at.get("download_button")}
    svg = media.data(buttons[f"Download Trusts per segment {Q4}: chart (SVG)"])
    png = media.data(buttons[f"Download Trusts per segment {Q4}: chart (PNG)"])
    assert svg.startswith(b"<svg") and b"Segment (1 best" in svg
    assert png.startswith(b"\x89PNG")
