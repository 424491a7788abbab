"""The app's caches identify datasets and assessments by their content (``ui.data``), never by a name beside them.

A what-if assessment asked about under the default data's key still gets its own likely ranges (the stale-key bug
of the string-key caches), the same content asked about twice (two equal objects) is computed once, and what the
shared tier hands out cannot be changed for the next visitor. The cached calls run inside an AppTest script run,
as a page's do (session-scoped caches need one).
"""

from __future__ import annotations

import dataclasses
import pickle

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import oversight as nof

Q4 = "Q4 2025/26"


@pytest.fixture(autouse=True)
def _clear_cache():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def test_equal_content_equal_fingerprint_and_any_change_another(default_data):
    again = nof.default_dataset()
    assert again is not default_data and again.fingerprint == default_data.fingerprint
    m = default_data.metrics
    changed = dataclasses.replace(default_data, metrics=m.assign(value=m["value"].where(m.index != 5, -1.0)))
    assert changed.fingerprint != default_data.fingerprint
    assert default_data.only([Q4]).fingerprint not in (default_data.fingerprint, changed.fingerprint)
    q4 = default_data.only([Q4])
    official, other = nof.assess(q4, details=False), nof.assess(q4, nof.Method(override=False), details=False)
    assert nof.assess(q4, details=False).fingerprint == official.fingerprint
    assert other.fingerprint != official.fingerprint
    copy = pickle.loads(pickle.dumps(official))  # as st.cache_data hands it back: the fingerprint travels with it
    assert "fingerprint" in copy.__dict__ and copy.fingerprint == official.fingerprint


def _script():
    """Runs as the AppTest's page: the cached calls a page makes, with results kept in session state."""
    import numpy as np
    import pandas as pd
    import streamlit as st

    import oversight as nof
    import ui.data as data

    calls = st.session_state.setdefault("calls", [])
    real = nof.likely_ranges
    nof.likely_ranges = lambda a, quarters=None, **kw: calls.append((a.fingerprint, tuple(quarters))) or real(
        a, quarters, **kw)
    try:
        q = "Q4 2025/26"
        method = nof.Method()
        official = data.assess(data.DEFAULT_KEY, method, data.default_dataset())
        code = official.trusts.loc[official.trusts["quarter"] == q, "trust_code"].iloc[0]
        rows = official.scores[(official.scores["quarter"] == q) & (official.scores["trust_code"] == code)
                               & official.scores["counted"]]
        edits = pd.DataFrame({"quarter": q, "trust_code": code, "metric_id": rows["metric_id"], "value": np.nan,
                              "score": 4.0}).reset_index(drop=True)
        edited = data.assess_edited(data.DEFAULT_KEY + "|edits", method, data.default_dataset(), edits)
        st.session_state["official_fp"], st.session_state["edited_fp"] = official.fingerprint, edited.fingerprint
        st.session_state["shared"] = (data.shared(official), data.shared(edited))
        # the edited assessment asked about under the default data's key: once the way to a stale answer
        st.session_state["official"] = data.ranges(data.DEFAULT_KEY, method, (q,), official)
        st.session_state["edited"] = data.ranges(data.DEFAULT_KEY, method, (q,), edited)
        st.session_state["edited_direct"] = real(edited, [q])
        # equal content in another object: a cache hit
        twin = data.assess_edited("another key", method, data.default_dataset(), edits.copy())
        st.session_state["twin_fp"] = twin.fingerprint
        st.session_state["twin"] = data.ranges("another key", method, (q,), twin)
        # what the shared tier hands out, changed by a careless page, is not changed for the next one
        handed = data.league(data.DEFAULT_KEY, method, q, official)
        handed["rank"] = -1
        del handed["trust_name"]
        again = data.league(data.DEFAULT_KEY, method, q, official)
        st.session_state["league_intact"] = bool((again["rank"] > 0).all()) and "trust_name" in again
        st.session_state["code"] = code
    finally:
        nof.likely_ranges = real


def test_a_what_if_assessment_gets_its_own_ranges_and_equal_content_is_computed_once():
    at = AppTest.from_function(_script, default_timeout=120).run()
    assert not at.exception, at.exception
    s = at.session_state
    assert s["official_fp"] != s["edited_fp"] and s["shared"] == (True, False)
    code = s["code"]
    official, edited = s["official"], s["edited"]
    pd.testing.assert_frame_equal(edited, s["edited_direct"])  # exactly the engine's answer for the edited data
    mine = edited.set_index("trust_code").loc[code]
    theirs = official.set_index("trust_code").loc[code]
    assert (mine["score_lo"], mine["score_hi"]) == (4.0, 4.0) != (theirs["score_lo"], theirs["score_hi"])
    assert s["twin_fp"] == s["edited_fp"]
    pd.testing.assert_frame_equal(s["twin"], edited)
    assert list(s["calls"]) == [(s["official_fp"], (Q4,)), (s["edited_fp"], (Q4,))]  # the twin was a cache hit
    assert s["league_intact"]


def test_the_default_data_and_assessment_are_shared_and_not_copied_per_call():
    def script():
        import numpy as np
        import streamlit as st

        import oversight as nof
        import ui.data as data

        first = data.assess(data.DEFAULT_KEY, nof.Method(), data.default_dataset())
        second = data.assess(data.DEFAULT_KEY, nof.Method(), data.default_dataset())
        st.session_state["same_data"] = bool(np.shares_memory(first.scores["score"].to_numpy(),
                                                              second.scores["score"].to_numpy()))
        st.session_state["other_method_shared"] = data.shared(nof.Method(override=False))

    at = AppTest.from_function(script, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["same_data"] and not at.session_state["other_method_shared"]


def test_the_app_reads_the_bundled_files_as_the_schema_checked_reader_does(default_data):
    """The app skips the pandera schema for its own bundled files (a fresh server's first view paid about 1 s for
    it): what it reads is the schema-checked dataset exactly, frames, dtypes, warnings and all."""
    def script():
        import streamlit as st

        import ui.data as data

        st.session_state["dataset"] = data.default_dataset()

    at = AppTest.from_function(script, default_timeout=120).run()
    assert not at.exception, at.exception
    got = at.session_state["dataset"]
    assert got.fingerprint == default_data.fingerprint
    for name in ("metrics", "league"):
        pd.testing.assert_frame_equal(getattr(got, name), getattr(default_data, name), check_exact=True)
    assert (got.warnings, got.files) == (default_data.warnings, default_data.files)


@pytest.mark.parametrize("quarter", ["Q1 2025/26", "Q4 2025/26"])
def test_no_changes_is_the_full_tables_empty_slice(default_data, quarter):
    """With no previous quarter the overview asks for an empty changes table; it is made from one quarter's trusts
    only, and equals the full computation's empty slice exactly (columns, types, index)."""
    import ui.data as data

    assessment = nof.assess(default_data)
    pd.testing.assert_frame_equal(data.no_changes(assessment, quarter), nof.segment_changes(assessment).iloc[0:0])


def test_cached_compare_tables_is_the_engines_answer():
    """ui.content.moves (for the what-if and upload pages) gives what oversight.compare_tables gives, asked twice."""
    def script():
        import streamlit as st

        import oversight as nof
        import ui.content as content
        import ui.data as data
        from ui.state import View

        dataset = data.default_dataset()
        official = data.assess(data.DEFAULT_KEY, nof.Method(), dataset)
        other = data.assess(data.DEFAULT_KEY, nof.Method(override=False), dataset)
        view = View(data.DEFAULT_KEY, dataset, data.DEFAULT_LABEL, "Q4 2025/26", nof.catalogue.MHC, False, None)
        theirs, ours = (view.table(a.trusts) for a in (official, other))
        st.session_state["cached"] = [(m.movers, m.agreement) for m in
                                      (content.moves(view, official, other) for _ in range(2))]
        st.session_state["direct"] = nof.compare_tables(theirs, ours)

    at = AppTest.from_function(script, default_timeout=120).run()
    assert not at.exception, at.exception
    movers, agreement = at.session_state["direct"]
    assert agreement.segment_changes > 0  # the override off moves trusts: the comparison has something to say
    for got_movers, got_agreement in at.session_state["cached"]:
        pd.testing.assert_frame_equal(got_movers, movers)
        assert got_agreement == agreement


def test_cached_trust_evidence_is_the_engines_answer():
    """ui.data.trust_evidence (for the board capability page) gives what oversight.capability.trust_evidence gives
    with the same ranges, asked twice, and a change to what it hands out is not seen by the next caller."""
    def script():
        import streamlit as st

        import oversight as nof
        import ui.data as data

        method, dataset = nof.Method(), data.default_dataset()
        result = data.assess(data.DEFAULT_KEY, method, dataset)
        ranges = data.ranges(data.DEFAULT_KEY, method, tuple(dataset.quarters), result)
        first = data.trust_evidence(data.DEFAULT_KEY, method, dataset.quarters, "Q4 2025/26", "RWX", result)
        first.metrics["score"] = -1.0
        st.session_state["cached"] = data.trust_evidence(data.DEFAULT_KEY, method, dataset.quarters, "Q4 2025/26",
                                                         "RWX", result)
        st.session_state["direct"] = nof.capability.trust_evidence(result, ranges, "Q4 2025/26", "RWX")

    at = AppTest.from_function(script, default_timeout=300).run()
    assert not at.exception, at.exception
    got, want = at.session_state["cached"], at.session_state["direct"]
    assert len(want.metrics) and (want.metrics["score"] > 0).all()
    for field in dataclasses.fields(want):
        a, b = getattr(got, field.name), getattr(want, field.name)
        if isinstance(b, pd.DataFrame):
            pd.testing.assert_frame_equal(a, b)
        elif isinstance(b, pd.Series):
            pd.testing.assert_series_equal(a, b)
        else:
            assert a == b, field.name


def test_page_content_is_cached_by_the_views_filters_and_never_shared_with_another_view():
    """ui.content keys a page's content by every filter of the view (and the dataset's fingerprint and the method):
    the same view asked twice is worked out once, a view that differs only in its region or highlighted trust gets
    its own content, a view under another method goes to the session's own cache, and a change to what one page
    was handed is not seen by the next."""
    def script():
        import dataclasses

        import streamlit as st

        import oversight as nof
        import ui.content as content
        import ui.data as data
        from ui.state import View

        dataset = data.default_dataset()
        view = View(data.DEFAULT_KEY, dataset, data.DEFAULT_LABEL, "Q4 2025/26", nof.catalogue.MHC, False, None)
        result = data.assess(view.key, view.method, dataset)
        calls = st.session_state.setdefault("calls", [])
        real = nof.hidden_problems_headline
        nof.hidden_problems_headline = lambda *a, **k: calls.append(1) or real(*a, **k)
        first = content.overview(view, result)
        first.top["trust_name"] = "changed by a page"
        again = content.overview(view, result)
        west = content.overview(dataclasses.replace(view, region="North West"), result)
        other = dataclasses.replace(view, method=nof.Method(override=False))
        nof.hidden_problems_headline = real
        st.session_state.update(
            calls=len(calls), names=list(again.top["trust_name"]), n=len(again.table), west=len(west.table),
            west_regions=sorted(set(west.table["region"])), engine=nof.assess(dataset).trusts,
            shared=data.shared(view), other_shared=data.shared(other),
            profile_trust=[content.profile(dataclasses.replace(view, trust=t), result).me["trust_code"]
                           for t in ("RWX", "RXG")])

    at = AppTest.from_function(script, default_timeout=300).run()
    assert not at.exception, at.exception
    s = at.session_state
    engine = s["engine"]
    q4 = engine[(engine["quarter"] == Q4) & (engine["trust_type"] == nof.catalogue.MHC)]
    assert s["calls"] == 2  # the view, then the North West view; the repeat was a cache hit
    assert s["names"] == list(q4.sort_values("rank")["trust_name"].head(10)) and s["n"] == len(q4) == 61
    assert s["west_regions"] == ["North West"] and 0 < s["west"] < 61
    assert s["shared"] and not s["other_shared"]
    assert s["profile_trust"] == ["RWX", "RXG"]


def test_league_and_metric_content_is_worked_out_once_whichever_trust_is_highlighted():
    """The AMR and IMR pages' content does not depend on the highlighted trust, so it is cached without it: choosing
    another trust to highlight works nothing out again, and each page still finds the highlighted trust's own row
    (none when no trust, or one not in the view, is highlighted)."""
    def script():
        import dataclasses

        import streamlit as st

        import oversight as nof
        import ui.content as content
        import ui.data as data
        from oversight import insights
        from ui.state import View

        dataset = data.default_dataset()
        view = View(data.DEFAULT_KEY, dataset, data.DEFAULT_LABEL, "Q4 2025/26", nof.catalogue.MHC, False, None)
        result = data.assess(view.key, view.method, dataset)
        calls = st.session_state.setdefault("calls", {"league": 0, "imr": 0})
        league, metric_table = data.league, insights.metric_table

        def counted(name, fn):
            def call(*args, **kwargs):
                calls[name] += 1
                return fn(*args, **kwargs)
            return call

        data.league, insights.metric_table = counted("league", league), counted("imr", metric_table)
        rows = {}
        for trust in (None, "RWX", "RXG", "RX1"):  # RX1 is an acute trust: not in this view
            shown = dataclasses.replace(view, trust=trust)
            rows[trust] = (content.league(shown, result).row(trust), content.imr(shown, result, "OF1016").row(trust))
        data.league, insights.metric_table = league, metric_table
        st.session_state.update(calls=dict(calls), codes={str(t): [None if r is None else r["trust_code"] for r in pair]
                                                          for t, pair in rows.items()})

    at = AppTest.from_function(script, default_timeout=300).run()
    assert not at.exception, at.exception
    assert at.session_state["calls"] == {"league": 1, "imr": 1}
    assert at.session_state["codes"] == {"None": [None, None], "RWX": ["RWX", "RWX"], "RXG": ["RXG", "RXG"],
                                         "RX1": [None, None]}
