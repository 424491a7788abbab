"""Trust profile: one trust's metrics against its peers, domain scores, history, what moving up takes, caveats."""

import pandas as pd
import streamlit as st

import ui
from oversight import insights

ui.page_setup("Trust profile", ":material/local_hospital:")
view = ui.sidebar()
result = ui.data.assess(view.key, view.method, view.dataset)
content = ui.content.profile(view, result)
st.title("Trust profile")
ui.show.require_rows(content.trusts, view)
if content.top_of_table:
    st.info(ui.md("No trust is highlighted, so this is the top of the table: {}. Choose another under **Trust to "
                  "highlight** in the sidebar.", content.top_name), icon=":material/info:")
if content.me is None:
    st.warning(ui.md("This trust has no figures in {}.", view.quarter))
    st.stop()
me, row = content.me, content.league
st.header(ui.plain(me["trust_name"]), anchor=False)
st.caption(ui.md("{} · {} · {} · {} · {}", me["trust_code"], me["trust_type"],
                 me["trust_subtype"] or "subtype not given", me["region"] or "region not given", view.quarter))
cols = st.columns(4)
cols[0].metric("Rank", f"{me['rank']} of {content.peers}", help=ui.md("Likely range: {} ({}).", row["rank_range"],
                                                                      row["range_by"]))
cols[1].metric("Segment", int(me["final_segment"]), help="After the financial override; 5 = Recovery Support "
               "Programme.")
cols[2].metric("Average score", f"{me['average_score_2dp']:.2f}",
               help=ui.md("Likely range: {} ({}); 1 best, 4 worst.", row["score_range"], row["range_by"]))
cols[3].metric("Metrics scored", "n/a" if pd.isna(me["n_metrics"]) else int(me["n_metrics"]))
if content.problem:
    st.error(ui.md("**{}:** {}.", *content.problem), icon=":material/flag:")
    st.caption(ui.plain(insights.HIDDEN_RULE))
for note in content.caveats:
    st.warning(ui.plain(note), icon=":material/info:")

st.subheader("Each metric against its peers")
spread, weakest = content.spread, content.weakest
if spread.empty:
    st.info("No metric scores are loaded for this trust (a league-table file holds averages only).")
else:
    ui.show.chart(ui.charts.spine, (spread,), content.spread_table,
                  f"{me['trust_code']} metrics against peers {view.quarter}",
                  f"Spine chart of {len(spread)} metrics: grey bars span the peer minimum to maximum (darker: the "
                  f"middle half), the tick is the median, the marker is this trust. Its weakest metric is "
                  f"{weakest['metric_name']} (score {weakest['score']:.2f}).")
    st.caption(ui.plain(insights.RAG_RULE) + " Positions are among the loaded trusts of the same type; scores and RAG "
               "come from NHS England's comparison group, which for some metrics is wider, so the two can disagree.")

st.subheader("Domain scores")
domains = content.domains
if domains.empty:
    st.info("No domain scores: no metric scores are loaded for this trust.")
else:
    ui.show.chart(ui.charts.domain_bars, (domains,),
                  domains[["domain", "domain_score_2dp", "n_metrics", "domain_segment", "domain_segment_source"]],
                  f"{me['trust_code']} domain scores {view.quarter}",
                  f"Bar chart of domain scores: {content.domains_text}")

st.subheader("History across quarters")
ui.show.chart(ui.charts.history, (content.history, "rank", "Rank (1 best)"), content.history,
              f"{me['trust_code']} rank history",
              f"Line chart of rank by quarter with likely ranges, labelled by segment: {content.history_text}")

st.subheader("What it would take to move up a segment")
step = content.step
if step["blocked"]:
    st.info(ui.md("No score change is worked out: {}.", step["blocked"]))
else:
    st.markdown(ui.md("Average score to fall from **{:.2f}** to **{:.2f}** (by {:.2f}) to reach segment {}. The "
                      "fewest metrics that could do it: **{}**.", me["average_score_2dp"], step["target_average"],
                      step["fall_needed"], int(step["target_segment"]), int(step["metrics_needed"])))
    ui.show.table(content.steps, f"{me['trust_code']} improvement plan")
ui.show.source(view, result.method.describe(result.banding) + "; likely ranges: " + content.range_method)
