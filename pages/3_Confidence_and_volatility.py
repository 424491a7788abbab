"""Confidence intervals and volatility: likely ranges against the cut points, hidden problems, and changes over time."""

import streamlit as st

import ui
from oversight import insights

ui.page_setup("Confidence and volatility", ":material/query_stats:")
view = ui.sidebar()
result = ui.data.assess(view.key, view.method, view.dataset)
content = ui.content.confidence(view.unhighlighted, result)
table = content.table

st.title("Confidence intervals and volatility")
st.caption(ui.md("{} · {} · {}s", view.label, view.quarter, view.trust_type))
ui.show.require_rows(table, view)
cuts = result.cuts[view.quarter]
st.markdown("A trust's **likely range** is where its average score would fall if its own metric scores were drawn "
            "again: wide when its scores are uneven. A range crossing a dashed line could sit in another segment.")

st.header("Likely range of average score against the segment cut points")
ui.show.chart(ui.charts.score_ranges, (table, cuts, view.trust), table, f"Likely score ranges {view.quarter}",
              f"Range chart of {len(table)} trusts' average scores with likely ranges, against cut points "
              f"{', '.join(f'{c:.3f}' for c in cuts)}; {content.crossing} ranges reach into a worse segment.",
              column_config={"p_worse_segment": st.column_config.NumberColumn(
                  "Share of replicates in a worse segment", format="%.2f")}, keep=view.trust)
ui.show.source(view, content.range_method + "; cut points: " + result.banding.description)

st.header("Hidden problems: good overall, struggling somewhere")
st.markdown(ui.plain(content.hidden_headline))
st.caption(ui.plain(insights.HIDDEN_RULE))
if not content.hidden.empty:
    ui.show.table(content.hidden, f"hidden problems {view.quarter}", highlight=view.trust_name, wrap=True,
                  column_config={
        "trust_name": st.column_config.TextColumn("Trust", width=250), "rank": "Rank", "final_segment": "Segment",
        "kind": "Listed as",
        "problem": st.column_config.TextColumn("What", width="large"),
        "p_worse_segment": st.column_config.NumberColumn("Chance of a worse segment", format="%.2f",
                                                         help="Share of bootstrap replicates in a worse segment.")})

st.header("Volatility: segment and rank in every quarter")
grid = content.grid
ui.show.chart(ui.charts.segment_grid, (grid, view.trust), grid.drop(columns=["cell_label", "sort_rank"]),
              "Segment and rank by quarter",
              f"Grid of {content.grid_trusts} trusts by quarter; each cell shows the segment and rank. "
              f"{content.outside} quarter-on-quarter rank changes fall outside the previous quarter's likely range.",
              keep=view.trust)
ui.show.table(content.moves, "changes by quarter", column_config={"quarter": "Quarter", "trust_name": "Trust",
                                                                  "change": "Change since the quarter before"})
st.caption("A change inside the previous quarter's likely range is within the noise of the trust's own uneven "
           "scores; NHS England calls only changes past a threshold significant (their test is not published).")
