"""Method and sources: how close the engine comes to NHS England's published numbers, recomputed live, and every
metric's rule, comparison group, reporting period and source."""

import streamlit as st

import ui
from oversight import uncertainty

ui.page_setup("Method and sources", ":material/menu_book:")
view = ui.sidebar()
result = ui.data.assess(view.key, view.method, view.dataset)
st.title("Method and sources")
st.markdown("Before you quote a number, check how it was made. This page takes every figure NHS England published "
            "in the loaded files (average scores, segments, ranks, domain scores and segments, likely ranges), "
            "removes it, works it out again from the files' own metric rows, and compares. Nothing here is typed "
            "in: it is recomputed now, from what is loaded.")

content = ui.content.method(view.unhighlighted, result)
if content.by_type.empty:
    st.info("These files carry no published results to check against (a template, say).")
else:
    st.header("How many of NHS England's figures the engine reproduces", anchor=False)
    columns = {"what": st.column_config.TextColumn("Figure", width="medium"), "trust_type": "Trust type",
               "quarter": "Quarters", "published": "Published", "exact": "Reproduced exactly",
               "within_001": st.column_config.NumberColumn(
                   "Within 0.01", help="Scores within a hundredth; rank ranges within one place."),
               "share": st.column_config.ProgressColumn("Share exact", format="percent", min_value=0, max_value=1)}
    ui.show.table(content.by_type, "reproduction summary", column_config=columns)
    with st.expander("The same, quarter by quarter"):
        ui.show.table(content.by_quarter, "reproduction by quarter", column_config=columns | {"quarter": "Quarter"})
    st.subheader("Every figure missed, and why")
    if content.misses.empty:
        st.success("Every published figure in these files is reproduced exactly.")
    else:
        ui.show.table(content.misses, "reproduction misses", height=360, wrap=True, column_config={
            "what": "Figure", "quarter": "Quarter", "trust_name": "Trust",
            "domain": "Domain", "published": "NHS England's", "ours": "Ours",
            "reason": st.column_config.TextColumn("Why", width="large")})

st.header("Whose likely ranges", anchor=False)
ranges = content.ranges
st.markdown(ui.md("NHS England publishes likely ranges in its league tables (in these files: {}). Where they exist "
                  "the app shows theirs, labelled **NHS England**; elsewhere it shows **our estimate**, made the same "
                  "way: a percentile bootstrap of each trust's own metric scores, re-segmented and re-ranked in every "
                  "one of {:,} replicates (seed {}); where every score weighs the same, the score range is worked out "
                  "exactly rather than sampled.", ", ".join(sorted(set(ranges["quarter"]))) or "none",
                  uncertainty.DEFAULT_REPLICATES, uncertainty.DEFAULT_SEED))
for r in ranges.itertuples():
    st.markdown(ui.md("- {} ({}, {}): ours equal theirs for {} of {} trusts and are within {} for {}.", r.what,
                      r.trust_type, r.quarter, r.exact, r.published,
                      "one place" if "rank" in r.what else "0.01", int(r.within_001)))

st.header("Every metric's rule", anchor=False)
ui.show.table(content.catalogue, "metric catalogue", height=420,
              column_config={
    "metric_id": "ID", "metric_name": "Metric", "domain": "Domain",
    "definition": st.column_config.TextColumn("Definition", width="large"), "units": "Units",
    "rule": st.column_config.TextColumn("How it is scored", width="large"),
    "compared_with": st.column_config.TextColumn("Compared with", width="medium"),
    "weight": st.column_config.NumberColumn("Weight", format="%.2f", help="Its weight in the average score."),
    "rule_known": st.column_config.CheckboxColumn("Rule known", help="Unticked: rescoring it from raw values is "
                                                  "an approximation (its rule is not fully known)."),
    "reporting_period": "Reporting period", "source": st.column_config.TextColumn("Source", width="medium")})
st.markdown("The full method, with the evidence for each rule, is in the project's `docs/method.md`; the likely-range "
            "fit in `docs/likely-ranges.md`.")
