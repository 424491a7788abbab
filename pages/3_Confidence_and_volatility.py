"""Confidence intervals and volatility: likely ranges against the cut points, hidden problems, and changes over time."""

import streamlit as st

import oversight as nof
import ui
from oversight import insights

ui.page_setup("Confidence and volatility", ":material/query_stats:")
view = ui.sidebar()
result = ui.data.assess(view.key, view.method, view.dataset)
ranges = ui.data.ranges(view.key, view.method, (view.quarter,), result)
table = view.table(result.trusts.merge(ranges, on=["quarter", "trust_code"]))

st.title("Confidence intervals and volatility")
st.caption(ui.md("{} · {} · {}s", view.label, view.quarter, view.trust_type))
ui.show.require_rows(table, view)
cuts = result.cuts[view.quarter]
st.markdown("A trust's **likely range** is where its average score would fall if its own metric scores were drawn "
            "again: wide when its scores are uneven. A range crossing a dashed line could sit in another segment.")

st.header("Likely range of average score against the segment cut points")
chart_cols = ["trust_name", "trust_code", "average_score_2dp", "score_lo", "score_hi", "unadjusted_segment",
              "segment_hi", "p_worse_segment"]
crossing = int((table["segment_hi"] > table["unadjusted_segment"]).sum())
ui.show.chart(ui.charts.score_ranges, (table[chart_cols], cuts, view.trust), table[chart_cols],
              f"Likely score ranges {view.quarter}",
              f"Range chart of {len(table)} trusts' average scores with likely ranges, against cut points "
              f"{', '.join(f'{c:.3f}' for c in cuts)}; {crossing} ranges reach into a worse segment.",
              column_config={"p_worse_segment": st.column_config.NumberColumn(
                  "Share of replicates in a worse segment", format="%.2f")}, keep=view.trust)
ui.show.source(view, ranges["range_method"].iloc[0] + "; cut points: " + result.banding.description)

st.header("Hidden problems: good overall, struggling somewhere")
hidden = view.table(ui.data.hidden_problems(view.key, view.method, view.quarter, result).assign(quarter=view.quarter))
st.markdown(ui.plain(nof.hidden_problems_headline(hidden, result, view.quarter, view.trust_type,
                                                    table["trust_code"])))
st.caption(ui.plain(insights.HIDDEN_RULE))
if not hidden.empty:
    ui.show.table(hidden[["trust_name", "rank", "final_segment", "kind", "problem", "p_worse_segment"]],
                  f"hidden problems {view.quarter}", highlight=view.trust_name, wrap=True, column_config={
        "trust_name": st.column_config.TextColumn("Trust", width=250), "rank": "Rank", "final_segment": "Segment",
        "kind": "Listed as",
        "problem": st.column_config.TextColumn("What", width="large"),
        "p_worse_segment": st.column_config.NumberColumn("Chance of a worse segment", format="%.2f",
                                                         help="Share of bootstrap replicates in a worse segment.")})

st.header("Volatility: segment and rank in every quarter")
grid = view.peers(ui.data.volatility(view.key, view.method, result))
shown = grid[["trust_name", "trust_code", "quarter", "final_segment", "rank", "average_score_2dp", "rank_lo",
              "rank_hi", "change", "cell_label", "sort_rank"]]
outside = int(grid["rank_outside_range"].fillna(False).astype(bool).sum())
ui.show.chart(ui.charts.segment_grid, (shown, view.trust), shown.drop(columns=["cell_label", "sort_rank"]),
              "Segment and rank by quarter",
              f"Grid of {grid['trust_code'].nunique()} trusts by quarter; each cell shows the segment and rank. "
              f"{outside} quarter-on-quarter rank changes fall outside the previous quarter's likely range.",
              keep=view.trust)
moves = grid[grid["change"] != ""][["quarter", "trust_name", "change"]]
ui.show.table(moves, "changes by quarter", column_config={"quarter": "Quarter", "trust_name": "Trust",
                                                          "change": "Change since the quarter before"})
st.caption("A change inside the previous quarter's likely range is within the noise of the trust's own uneven "
           "scores; NHS England calls only changes past a threshold significant (their test is not published).")
