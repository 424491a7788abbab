"""Board self-assessment of provider capability (oversight.capability, pages/7_Board_capability.py): the mapping,
the evidence and the disagreement rule on real trusts, the assessment CSV (round trip and bad input), the board pack
(parsed and opened in Chromium) and the page through AppTest.

Real trusts, NHS England's Q4 2025/26 mental health and community data unless said: Sussex Community (RDR, rank 7,
segment 1) has Access to services in segment 4 and People and workforce in segment 1; Coventry and Warwickshire
Partnership (RYG) scores 1.00 on combined finance but is flagged in deficit.
"""

from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st

import oversight as nof
from oversight import capability as cap
from oversight import catalogue, io
from tests.apptest_helpers import MediaCapture, go, markdown_texts, metrics, open_app, template_bytes, texts, upload
from tests.test_app import marked_up_example

Q4, Q1 = "Q4 2025/26", "Q1 2025/26"
PAGE = "pages/7_Board_capability.py"
RDR = "RDR"
SHOTS = Path(__file__).resolve().parent.parent / "screenshots"


@pytest.fixture(autouse=True)
def _clear_cache():
    st.cache_data.clear()
    yield
    st.cache_data.clear()


@pytest.fixture(scope="module")
def assessment(default_data) -> nof.Assessment:
    return nof.assess(default_data)


@pytest.fixture(scope="module")
def ranges(assessment) -> pd.DataFrame:
    return nof.likely_ranges(assessment, [Q1, Q4])


def evidence_for(assessment, ranges, code, quarter=Q4) -> cap.TrustEvidence:
    return cap.trust_evidence(assessment, ranges, quarter, code)


def board(code: str, ratings: dict[str, int], notes: dict[str, str] | None = None) -> pd.DataFrame:
    frame = cap.blank_assessment(code, "", Q4)
    for key, level in ratings.items():
        frame.loc[[a.key for a in cap.AREAS].index(key), "rating"] = level
    for key, note in (notes or {}).items():
        frame.loc[[a.key for a in cap.AREAS].index(key), "evidence_note"] = note
    return frame


# ---------------------------------------------------------------------------------------------------------------
# The mapping and the scale


def test_mapping_covers_the_six_areas_and_every_domain():
    assert [a.name.lower() for a in cap.AREAS] == [
        "strategy, leadership and planning", "quality of care", "people and culture",
        "access and delivery of services", "productivity and value for money", "financial performance and oversight"]
    assert {d for a in cap.AREAS for d in a.domains} == set(catalogue.DOMAINS)
    strategy = cap.area("strategy")
    assert strategy.domains == () and strategy.metrics == () and "No NOF" in strategy.note
    for a in cap.AREAS:  # every metric named is a known NOF score in a domain the area shows
        assert all(catalogue.metric(m).domain in a.domains for m in a.metrics), a.key
    assert cap.area("finance").deficit_flag and not cap.area("access").deficit_flag
    assert [(r.level, r.label) for r in cap.SCALE] == [(1, "Strong"), (2, "Good"), (3, "Limited"), (4, "Weak")]
    assert "not NHS England's" in cap.SCALE_SOURCE


# ---------------------------------------------------------------------------------------------------------------
# Evidence and the rule, on real trusts


@pytest.mark.parametrize(("code", "area_key", "rating", "level", "verdict"), [
    (RDR, "access", 1, 4, "better"),     # Strong on access while Access to services is in segment 4
    (RDR, "access", 2, 4, "better"),     # the example: a good rating on a segment 4 domain
    (RDR, "access", 3, 4, "in line"),    # one step is not flagged
    (RDR, "people", 4, 1, "worse"),      # Weak while People and workforce is in segment 1
    (RDR, "people", 2, 1, "in line"),
    ("RYG", "finance", 1, 3, "better"),  # combined finance 1.00 but in deficit: at least level 3
    (RDR, "finance", 1, 1, "in line"),
    (RDR, "strategy", 1, None, "no evidence"),
    (RDR, "quality", None, 1, "not rated"),
])
def test_the_rule_on_real_trusts(assessment, ranges, code, area_key, rating, level, verdict):
    review = cap.compare(board(code, {area_key: rating} if rating else {}), evidence_for(assessment, ranges, code))
    row = review.set_index("area_key").loc[area_key]
    assert (None if pd.isna(row["level"]) else row["level"]) == level
    assert row["verdict"] == verdict
    assert row["flagged"] == (verdict in ("better", "worse"))
    if verdict == "better":
        assert "better than its NOF evidence supports" in row["sentence"]
    if verdict == "worse":
        assert "worse than its NOF data shows" in row["sentence"]


def test_evidence_levels_come_from_the_published_domain_segments(assessment, ranges):
    ev = evidence_for(assessment, ranges, RDR)
    d = assessment.domains
    published = d[(d["quarter"] == Q4) & (d["trust_code"] == RDR)].set_index("domain")["domain_segment"]
    levels = ev.areas.set_index("area_key")["level"]
    assert levels["access"] == published["Access to services"] == 4
    assert levels["people"] == published["People and workforce"] == 1
    assert levels["quality"] == max(published["Patient safety"], published["Effectiveness and experience"])
    costs = assessment.scores.query("quarter == @Q4 and trust_code == @RDR and metric_id == 'OF1086'")["score"]
    assert levels["productivity"] == cap.score_level(costs.iloc[0]) == 2  # 2.16: the second quarter of 1-4
    assert (ev.domains["domain_segment_source"] == "NHS England's own domain segment boundaries, read from the domain "
                                                  "segments they published").all()


def test_worst_metrics_in_own_units_with_place_among_peers(assessment, ranges):
    ev = evidence_for(assessment, ranges, RDR)
    people = ev.worst("people")
    assert people["metric_id"].tolist() == ["OF1082", "OF1084"]  # sickness scores worse than engagement
    # Independently: RDR's sickness absence among the 61 mental health and community trusts, lower is better.
    raw = assessment.scores.query("quarter == @Q4 and trust_type == @catalogue.MHC and metric_id == 'OF1082'")
    place = int(raw["value"].rank(method="min")[raw["trust_code"] == RDR].iloc[0])
    assert people["text"].iloc[0] == f"Sickness absence 5.83 %, {cap.ordinal(place)} of {len(raw)}" == \
        "Sickness absence 5.83 %, 19th of 61"
    access = ev.worst("access")
    assert access["text"].tolist() == ["Community 52-week waits 3.16 %, 31st of 42"]  # 42 peers report it
    assert ev.metrics.query("area_key == 'finance'")["metric_id"].tolist() == ["OF1080", "OF1079", "OF1081"]


def test_acute_trust_productivity_uses_implied_productivity(assessment, ranges):
    ev = evidence_for(assessment, ranges, "RTH", Q1)  # Oxford University Hospitals, acute, Q1
    assert ev.worst("productivity")["metric_id"].tolist() == ["OF1085"]
    assert ev.trust["peers"] == 134
    assert ev.worst("productivity")["text"].iloc[0].endswith("of 134")


def test_domain_ranges_are_the_engines_percentile_bootstrap(assessment, ranges):
    """On a trust's whole set of counted scores, the domain-range method gives the engine's likely score range:
    exactly where the scores weigh the same (the exact distribution), and within Monte Carlo error where the
    infection scores weigh a third (weighted replicates, drawn separately)."""
    from oversight.uncertainty import mean_range

    for quarter in (Q1, Q4):
        s = assessment.scores[(assessment.scores["quarter"] == quarter) & assessment.scores["counted"]]
        ours = {code: mean_range(g["score"], g["weight"]) for code, g in s.groupby("trust_code")}
        theirs = ranges[ranges["quarter"] == quarter].set_index("trust_code")
        assert len(ours) == {Q1: 195, Q4: 61}[quarter]
        equal = {c for c, g in s.groupby("trust_code") if g["weight"].nunique() == 1}
        assert {c: (theirs.loc[c, "score_lo"], theirs.loc[c, "score_hi"]) for c in equal} == {c: ours[c]
                                                                                          for c in equal}
        weighted = sorted(set(ours) - equal)
        err = pd.Series({c: max(abs(ours[c][0] - theirs.loc[c, "score_lo"]), abs(ours[c][1] - theirs.loc[c,
                                                                                                   "score_hi"]))
                         for c in weighted}, dtype=float).round(2)
        if len(err):  # two independent runs of 5,000 replicates
            assert err.max() <= 0.06 and (err <= 0.02).mean() >= 0.9, err.sort_values().tail()


def test_ordinals():
    assert [nof.formats.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "101st", "111th"]


# ---------------------------------------------------------------------------------------------------------------
# The assessment CSV

NASTY = {"quality": "=HYPERLINK(\"http://x\", \"click\")", "people": "Line one,\n\"quoted\" line two; ünïcödé",
         "access": "**bold** <b>tag</b> [link](http://x)", "finance": "-2 % variance: see paper B7"}


def test_csv_round_trips():
    original = board(RDR, {"strategy": 2, "quality": 1, "people": 4, "access": 3, "finance": 2}, NASTY)
    original["trust_name"] = "Sussex Community NHS Foundation Trust"
    text = cap.assessment_csv(original)
    assert "'=HYPERLINK" in text and "'-2 %" in text  # neutralised for spreadsheets
    assert "2 Good" in text and "4 Weak" in text
    back, warnings = cap.read_assessment_csv("a.csv", text.encode("utf-8"), RDR, quarter=Q4,
                                             trust_names={RDR: "Sussex Community NHS Foundation Trust"})
    assert warnings == []
    pd.testing.assert_frame_equal(back, original.reset_index(drop=True))
    assert cap.assessment_csv(back) == text


@pytest.mark.parametrize(("text", "level"), [
    ("2", 2), ("Good", 2), ("2 Good", 2), ("good (2)", 2), ("2.0", 2), ("  4 - weak ", 4), ("", None),
    ("not rated", None)])
def test_ratings_accepted(text, level):
    back, _ = cap.read_assessment_csv("a.csv", _one_row("Quality of care", text).encode(), RDR)
    got = back.set_index(pd.Index([a.key for a in cap.AREAS])).loc["quality", "rating"]
    assert (None if pd.isna(got) else got) == level


def _one_row(area: str, rating: str, note: str = "ok", code: str = RDR, quarter: str = Q4) -> str:
    return cap.assessment_csv(pd.DataFrame({"trust_code": [code], "trust_name": [""], "quarter": [quarter],
                                            "area": [area], "rating": [pd.NA], "evidence_note": [note]})
                              ).replace(f"{area},,", f"{area},{rating},")


GOOD_HEADER = "trust_code,trust_name,quarter,area,rating,evidence_note\n"
BAD_FILES = [
    # (case, bytes, words in the problem, row, column, words in the fix)
    ("missing column", b"trust_code,area,rating\nRDR,Quality of care,2\n", "no evidence_note column", None, None,
     "Use the template"),
    ("wrong trust", (GOOD_HEADER + "RYG,,Q4 2025/26,Quality of care,2,x\n").encode(), "for trust RYG", 2,
     "trust_code", "Coventry and Warwickshire"),
    ("unknown area", (GOOD_HEADER + "RDR,,,Quality of care,2,x\nRDR,,,Estates,2,x\n").encode(),
     "not one of the six areas", 3, "area", "Strategy, leadership and planning"),
    ("area twice", (GOOD_HEADER + "RDR,,,Quality of care,2,x\nRDR,,,quality of care,3,y\n").encode(),
     "already rated on row 2", 3, "area", "one row per area"),
    ("rating off the scale", (GOOD_HEADER + "RDR,,,Quality of care,5,x\n").encode(), "not on the scale", 2, "rating",
     "1 Strong, 2 Good, 3 Limited or 4 Weak"),
    ("rating a word", (GOOD_HEADER + "RDR,,,Quality of care,Excellent,x\n").encode(), "not on the scale", 2,
     "rating", "leave it blank"),
    ("number and word disagree", (GOOD_HEADER + "RDR,,,Quality of care,2 Strong,x\n").encode(), "not on the scale",
     2, "rating", "4 Weak"),
    ("note too long", (GOOD_HEADER + f"RDR,,,Quality of care,2,{'x' * 1001}\n").encode(), "1,001 characters", 2,
     "evidence_note", "Shorten"),
    ("formula", (GOOD_HEADER + "RDR,,,Quality of care,2,=1+1\n").encode(), "run it as a formula", 2,
     "evidence_note", "apostrophe"),
    ("control characters", (GOOD_HEADER + "RDR,,,Quality of care,2,a\x07b\n").encode(), "control characters", 2,
     "evidence_note", "Remove"),
    ("bad quarter", (GOOD_HEADER + "RDR,,Spring,Quality of care,2,x\n").encode(), "not a quarter", 2, "quarter",
     "Q4 2025/26"),
    ("stray comma", (GOOD_HEADER + "RDR,,,Quality of care,2,x,y\n").encode(), "7 fields", 2, None, "double quotes"),
    ("header only", GOOD_HEADER.encode(), "no rows", None, None, "template"),
    ("empty", b"  \n", "empty", None, None, "template"),
    ("excel", b"PK\x03\x04rest", "Excel workbook", None, None, "CSV UTF-8"),
    ("not utf-8", (GOOD_HEADER + "RDR,,,Quality of care,2,caf\xe9\n").encode("latin-1"), "not UTF-8", None, None,
     "CSV UTF-8"),
    ("too many rows", (GOOD_HEADER + "RDR,,,Quality of care,2,x\n" * 61).encode(), "61 rows", None, None,
     "downloaded from this page"),
]


@pytest.mark.parametrize(("case", "data", "problem", "row", "column", "fix"), BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_bad_assessment_files_are_refused_with_row_and_fix(case, data, problem, row, column, fix):
    with pytest.raises(nof.InputError) as err:
        cap.read_assessment_csv("bad.csv", data, RDR, quarter=Q4,
                                trust_names={"RYG": "Coventry and Warwickshire Partnership NHS Trust"})
    found = [p for p in err.value.errors if problem in p.message]
    assert found, [str(p) for p in err.value.problems]
    assert found[0].row == row and found[0].column == column
    assert fix in found[0].fix


def test_other_quarter_and_extra_columns_are_warnings():
    data = ("trust_code,quarter,area,rating,evidence_note,owner\n"
            "rdr,Q2 2025/26,Access and delivery of services,2,x,CFO\n")
    frame, warnings = cap.read_assessment_csv("a.csv", data.encode("utf-8-sig"), RDR, quarter=Q4)
    assert frame.set_index(pd.Index([a.key for a in cap.AREAS])).loc["access", "rating"] == 2
    assert frame["rating"].isna().sum() == 5  # areas missing from the file are unrated
    assert sorted(w.severity for w in warnings) == ["warning", "warning"]
    assert any("Q2 2025/26" in w.message for w in warnings) and any("owner" in w.message for w in warnings)


# ---------------------------------------------------------------------------------------------------------------
# The board pack


class _Outline(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.headings, self.text, self._in = [], [], [], None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("h1", "h2", "h3"):
            self._in = [tag, ""]

    def handle_endtag(self, tag):
        if self._in and tag == self._in[0]:
            self.headings.append(tuple(self._in))
            self._in = None

    def handle_data(self, data):
        self.text.append(data)
        if self._in:
            self._in[1] += data


@pytest.fixture(scope="module")
def pack(assessment, ranges) -> str:
    ev = evidence_for(assessment, ranges, RDR)
    review = cap.compare(board(RDR, {"strategy": 2, "quality": 2, "people": 4, "access": 1, "productivity": 2,
                                     "finance": 2}, NASTY), ev)
    return cap.board_pack_html(ev, review, sources=["NHS England NOF 2025/26 files (test)"])


def test_board_pack_renders_areas_flags_and_sources(pack, ranges):
    outline = _Outline()
    outline.feed(pack)
    levels = [int(tag[1]) for tag, _ in outline.headings]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:]))  # no heading level skipped
    assert [t for tag, t in outline.headings if tag == "h3"] == [a.name for a in cap.AREAS]
    text = " ".join(outline.text)
    assert "Rated better than the evidence" in text and "Rated worse than the evidence" in text
    assert "2 of 6 areas flagged" in text
    # the rank range is the engine's seeded bootstrap's (the pack shows what it was given); the score range is
    # exact (the limit of infinitely many replicates), the same whatever the seed
    mine = ranges[(ranges["quarter"] == Q4) & (ranges["trust_code"] == RDR)].iloc[0]
    assert f"7 of 61 mental health and community trusts; likely range {mine.rank_lo} to {mine.rank_hi}" in text
    assert "likely range 1.44 to 2.40" in text
    assert "Sickness absence 5.83 %, 19th of 61" in text
    assert cap.GUIDANCE in text and "NHS England NOF 2025/26 files (test)" in text and "not NHS England's" in text
    # Self-contained and safe: the board's text is text, nothing is fetched.
    tags = {tag for tag, _ in outline.tags}
    assert not tags & {"script", "link", "img", "iframe", "object"} and "<b>tag</b>" not in pack
    assert "<b>tag</b>" in text and '=HYPERLINK("http://x", "click")' in text
    assert not [a for _, a in outline.tags if any(str(v).startswith("http") for v in a.values())]


@pytest.mark.skipif(not shutil.which("chromium") and not Path("/usr/bin/chromium").exists(),
                    reason="Debian's chromium is not installed")
def test_board_pack_opens_and_prints_in_chromium(pack):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(exist_ok=True)
    path = SHOTS / "board-pack-RDR.html"
    path.write_text(pack, encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 900, "height": 1200})
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(path.as_uri())
        assert page.locator("section.area").count() == 6
        assert page.locator("section.flag").count() == 2
        assert page.get_by_text("Rated better than the evidence.").is_visible()
        page.screenshot(path=str(SHOTS / "board-pack-RDR.png"), full_page=True)
        page.emulate_media(media="print")
        pdf = page.pdf(path=str(SHOTS / "board-pack-RDR.pdf"), format="A4", print_background=True)
        browser.close()
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    assert requests == [path.as_uri()]  # nothing but the file itself


# ---------------------------------------------------------------------------------------------------------------
# The page (AppTest)

LINK = {"trust": RDR, "quarter": Q4, "type": "mhc"}


def _rating(at, area_key):
    return at.radio(key=f"capability-input:{RDR}:{area_key}:rating")


def test_page_flags_where_the_data_contradicts_the_ratings():
    at = open_app(PAGE, LINK)
    assert not at.exception
    assert at.header[0].value == "Sussex Community NHS Foundation Trust"
    assert metrics(at)["Rank"] == "7 of 61" and metrics(at)["Areas flagged"] == "0 of 6"
    _rating(at, "access").set_value(1)
    _rating(at, "people").set_value(4)
    _rating(at, "quality").set_value(2).run()
    assert not at.exception
    warnings = texts(at, ("warning",))
    assert any("Rated better than the evidence" in w and "Access and delivery of services" in w
               and "segment 4" in w for w in warnings), warnings
    assert any("Rated worse than the evidence" in w and "People and culture" in w for w in warnings), warnings
    assert len(warnings) == 2 and metrics(at)["Areas flagged"] == "2 of 6"
    assert any("How the page compares" in m for m in texts(at, ("markdown",)))  # the rule is on the page
    # The ratings stay in the session when the user looks at another page and comes back.
    go(at, "pages/4_Trust_profile.py")
    go(at, PAGE)
    assert _rating(at, "access").value == 1 and metrics(at)["Areas flagged"] == "2 of 6"


def test_page_opens_on_the_top_of_the_table_when_no_trust_is_chosen():
    at = open_app(PAGE, {"type": "mhc"})
    assert not at.exception
    assert at.header[0].value == "Kent Community Health NHS Foundation Trust"  # rank 1 of Q4
    assert any("No trust is highlighted" in i and "Kent Community" in i for i in texts(at, ("info",)))


def test_page_upload_carries_on_and_refuses_a_bad_file(monkeypatch):
    media = MediaCapture(monkeypatch)
    saved = board(RDR, {"access": 2, "people": 4}, NASTY)
    at = open_app(PAGE, LINK)
    at.file_uploader(key="capability_upload").set_value(("saved.csv", cap.assessment_csv(saved).encode(),
                                                         "text/csv")).run()
    assert not at.exception
    assert any("Loaded saved" in s for s in texts(at, ("success",)))
    assert _rating(at, "access").value == 2 and _rating(at, "people").value == 4
    assert at.text_area(key=f"capability-input:{RDR}:access:note").value == NASTY["access"]
    assert metrics(at)["Areas flagged"] == "2 of 6"
    raw = [(k, t) for k, t in markdown_texts(at) if "**bold" in t or "<b>tag" in t or "[link](" in t]
    assert not raw  # text from the file is shown as text, never as markdown
    # The downloads: the saved CSV reads back the same; the pack holds the flags.
    save = next(b for b in at.get("download_button") if b.proto.label.startswith("Save this assessment"))
    back, _ = cap.read_assessment_csv("again.csv", media.data(save), RDR)
    assert back["rating"].tolist() == saved["rating"].tolist()
    assert back["evidence_note"].tolist() == saved["evidence_note"].tolist()
    pack_button = next(b for b in at.get("download_button") if b.proto.label.startswith("Board pack"))
    assert b"Rated better than the evidence" in media.data(pack_button)
    # A file for another trust is refused with the row and the fix; the ratings stay.
    other = cap.assessment_csv(board("RYG", {"access": 4}))
    at.file_uploader(key="capability_upload").set_value(("other.csv", other.encode(), "text/csv")).run()
    assert any("could not be used" in e for e in texts(at, ("error",)))
    problems = [m for m in texts(at, ("markdown",)) if "**Fix:**" in m]
    assert problems and "row 2, column trust_code" in problems[0] and "Coventry and Warwickshire" in problems[0]
    assert _rating(at, "access").value == 2


@pytest.mark.parametrize("case", ["league table only", "template example", "marked-up names"])
def test_page_opens_on_uploads(mhc_dataset, case):
    """The cases every other page is opened on: a league-table upload (no metric scores), the upload template's
    example, and trust names full of markup (shown as text)."""
    example = io.template_example(mhc_dataset)
    files = {"league table only": (Path(io.DEFAULT_LEAGUE).name, Path(io.DEFAULT_LEAGUE).read_bytes()),
             "template example": ("example.csv", template_bytes(example)),
             "marked-up names": ("names.csv", template_bytes(marked_up_example(example)))}[case]
    at = open_app()
    upload(at, files)
    at.sidebar.selectbox(key="trust").set_value("RNK" if case == "league table only" else
                                                  example["trust_code"].iloc[0]).run()
    go(at, PAGE)
    assert len(at.subheader) == 6 and at.header
    if case == "league table only":
        assert any("league table only" in w for w in texts(at, ("warning",)))
    assert not [t for _, t in markdown_texts(at) if "**bold" in t or "[link](" in t or "<b>" in t]
