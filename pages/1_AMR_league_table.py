"""AMR league table: rank, segment, average score, likely ranges and what it would take to move up."""

from functools import partial

import streamlit as st

import ui

ui.page_setup("AMR league table", ":material/format_list_numbered:")
view = ui.sidebar()
result = ui.data.assess(view.key, view.method, view.dataset)
content = ui.content.league(view, result)
table = content.table

st.title("Aggregated metric ranking (AMR)")
st.caption(ui.md("{} · {} · {}s · {} trusts", view.label, view.quarter, view.trust_type, len(table)))
ui.show.require_rows(table, view)
st.markdown("Trusts ordered by segment, then average metric score. The **likely ranges** show where a trust could "
            "sit given how uneven its own metric scores are; **to move up** is the fall in average score that would "
            "reach the next segment, and the fewest metrics that could deliver it, in each metric's own units. As NHS "
            "England does, a trust in the Recovery Support Programme (segment 5) is ranked by its segment before that.")

config = ui.show.league_columns() | {
    "range_by": st.column_config.TextColumn("Ranges by", help="NHS England's published likely ranges where their "
                                            "league table gives them; otherwise our estimate (the same method)."),
    "trust_name": st.column_config.TextColumn("Trust", width=250),
    "to_move_up": st.column_config.TextColumn("To move up a segment", width=190,
                                              help="Improvements shared across the fewest metrics, worst first; the "
                                              "value needed is that of a loaded peer already scoring that well."),
}
ui.show.table(content.listed, f"AMR league table {view.quarter}", column_config=config, height=720,
              highlight=view.trust_name, wrap=True)
st.download_button("Download in NHS England's league-table layout",
                   partial(ui.data.league_layout_csv, table), file_name="league-table-nhs-layout.csv",
                   mime="text/csv", icon=":material/download:", on_click="ignore")
theirs = content.theirs
if theirs:
    whose = f"Likely ranges: NHS England's own, from their published league table, for {theirs} of {len(table)} trusts"
    whose += "; ours for the rest" if theirs < len(table) else ""
else:
    whose = "Likely ranges: our estimate (NHS England published none for these trusts)"
ui.show.source(view, result.method.describe(result.banding) + "; our likely ranges: " + table["range_method"].iloc[0],
               whose + ".")
with st.expander("NHS England's likely ranges beside ours"):
    st.markdown("Where NHS England published likely ranges, the table shows theirs. Ours are worked out the same "
                "way (a percentile bootstrap of each trust's own metric scores) and differ by a step here and there: "
                "the method page says how often.")
    ui.show.table(content.both, f"likely ranges both {view.quarter}", highlight=view.trust_name,
                  column_config=config | {
        "score_range": "Score range shown", "ours_score_range": "Score range, ours",
        "rank_range": "Rank range shown", "ours_rank_range": "Rank range, ours"})

st.header("Likely range of rank")
r = content.row(view.trust)
if r is not None:
    st.info(ui.md("**{}** ranks {} (likely range: {}), segment {}.", r["trust_name"], r["rank"], r["rank_range"],
                  r["final_segment"]))
widest = f" The widest range is {content.widest}." if content.widest else ""
ui.show.chart(ui.charts.caterpillar, (content.charted, view.trust), content.charted,
              f"Likely rank ranges {view.quarter}",
              f"Caterpillar chart of {len(table)} trusts' ranks with their likely ranges, ordered by rank.{widest}",
              keep=view.trust)
