"""Overview: segments, national average, top and bottom trusts, who changed segment and why, and the caveats."""

import streamlit as st

import ui
from oversight import insights

ui.page_setup("Overview", ":material/dashboard:")
view = ui.sidebar()
result = ui.data.assess(view.key, view.method, view.dataset)
table = view.table(result.trusts)
previous = view.previous_quarter
changes = view.table(ui.data.changes(view.key, view.method, view.quarter, previous, result))

st.title("NHS Oversight Framework: overview")
st.caption(ui.md("{} · {} · {}s", view.label, view.quarter, view.trust_type))
ui.show.require_rows(table, view)

average, n_scores = insights.national_average(result, view.quarter, table["trust_code"])
counts = insights.segment_counts(table)
cols = st.columns(4)
cols[0].metric("Trusts", len(table))
cols[1].metric("National average score", f"{average:.2f}", help=ui.md("All {:,} metric scores of these trusts "
               "divided by their number (1 best, 4 worst), as NHS England computes it.", n_scores))
cols[2].metric("In segment 1", int(counts.loc[counts["segment"] == 1, "trusts"].iloc[0]))
cols[3].metric("In financial deficit", int(table["deficit"].sum()))
ui.show.source(view, result.method.describe(result.banding))

st.subheader("Trusts per segment")
ui.show.chart(ui.charts.segment_bars, (counts,), counts, f"Trusts per segment {view.quarter}",
              f"Bar chart of trusts per segment, {view.quarter}: "
              + ", ".join(f"segment {r.segment}: {r.trusts}" for r in counts.itertuples()) + ".")

columns = ["rank", "trust_name", "final_segment", "average_score_2dp", "deficit"]
left, right = st.columns(2)
with left:
    st.subheader("Top ten")
    ui.show.table(table.head(10)[columns], f"top ten {view.quarter}", column_config=ui.show.league_columns())
with right:
    st.subheader("Bottom five")
    ui.show.table(table.tail(5)[columns], f"bottom five {view.quarter}", column_config=ui.show.league_columns())

st.subheader("Who changed segment since the previous quarter, and why")
moved = changes[changes["changed"]]
if changes.empty:
    st.info(ui.md("No earlier quarter is loaded for these trusts, so there is nothing to compare {} with.",
                  view.quarter))
elif moved.empty:
    st.info("No trust of this type changed segment.")
else:
    shown = moved[["trust_name", "segment_before", "segment_after", "score_before", "score_after", "reason",
                   "score_outside_range"]]
    ui.show.table(shown, f"segment changes {view.quarter}", column_config={
        "trust_name": "Trust", "segment_before": "Segment before", "segment_after": "Segment now",
        "score_before": "Score before", "score_after": "Score now", "reason": "Why",
        "score_outside_range": st.column_config.CheckboxColumn(
            "Outside last quarter's likely range", help="A score change outside the previous quarter's likely "
            "range is more than the noise of the trust's own uneven scores.")})
    st.caption(ui.md("{} of {} trusts changed segment since {}.", len(moved), len(table), previous))

with st.expander("NHS England's caveats: read before comparing trusts", expanded=False):
    st.markdown("""
- **Compare like with like.** Trusts are ranked only against their own type (acute; mental health and community;
  ambulance). Specialist acute trusts sit in the acute table.
- **Different reporting dates.** Each metric has its own period (the Reporting_date column): a league table mixes
  months, quarters and years.
- **Mergers and acquisitions.** A merged trust's figures may cover predecessor organisations; the trust profile
  shows closures recorded in the ODS trust list.
- **Confidence intervals.** The likely ranges show how much a trust's position rests on a few metrics; a trust can
  rank well and still score badly on one metric.
- **Volatility.** Small score changes move trusts across segment boundaries between quarters; a change inside the
  previous quarter's likely range is within the noise.
""")
