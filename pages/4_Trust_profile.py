"""Trust profile: one trust's metrics against its peers, domain scores, history, what moving up takes, caveats."""

import pandas as pd
import streamlit as st

import ui
from oversight import insights

ui.page_setup("Trust profile", ":material/local_hospital:")
view = ui.sidebar()
result = ui.data.assess(view.key, view.method, view.dataset)
st.title("Trust profile")
shown_table = view.table(result.trusts)
ui.show.require_rows(shown_table, view)
trust = view.trust if view.trust in set(shown_table["trust_code"]) else shown_table.iloc[0]["trust_code"]
if trust != view.trust:
    st.info(ui.md("No trust is highlighted, so this is the top of the table: {}. Choose another under **Trust to "
                  "highlight** in the sidebar.", shown_table.iloc[0]["trust_name"]), icon=":material/info:")

history = result.trusts[result.trusts["trust_code"] == trust]
ranges = ui.data.ranges(view.key, view.method, tuple(history["quarter"]), result)  # the quarters the history shows
history = history.merge(ranges, on=["quarter", "trust_code"])
now = history[history["quarter"] == view.quarter]
if now.empty:
    st.warning(ui.md("This trust has no figures in {}.", view.quarter))
    st.stop()
me = now.iloc[0]
st.header(ui.plain(me["trust_name"]), anchor=False)
st.caption(ui.md("{} · {} · {} · {} · {}", me["trust_code"], me["trust_type"],
                 me["trust_subtype"] or "subtype not given", me["region"] or "region not given", view.quarter))
peers = int(((result.trusts["quarter"] == view.quarter) & (result.trusts["trust_type"] == view.trust_type)).sum())
cols = st.columns(4)
row = ui.data.league(view.key, view.method, view.quarter, result).set_index("trust_code").loc[trust]
cols[0].metric("Rank", f"{me['rank']} of {peers}", help=ui.md("Likely range: {} ({}).", row["rank_range"],
                                                              row["range_by"]))
cols[1].metric("Segment", int(me["final_segment"]), help="After the financial override; 5 = Recovery Support "
               "Programme.")
cols[2].metric("Average score", f"{me['average_score_2dp']:.2f}",
               help=ui.md("Likely range: {} ({}); 1 best, 4 worst.", row["score_range"], row["range_by"]))
cols[3].metric("Metrics scored", "n/a" if pd.isna(me["n_metrics"]) else int(me["n_metrics"]))
hidden = ui.data.hidden_problems(view.key, view.method, view.quarter, result)
mine = hidden[hidden["trust_code"] == trust]
if len(mine):
    what = mine.iloc[0]
    verdict = "Strong overall, struggling somewhere" if what["kind"] == "hidden problem" else "A fragile position"
    st.error(ui.md("**{}:** {}.", verdict, what["problem"]), icon=":material/flag:")
    st.caption(ui.plain(insights.HIDDEN_RULE))
for note in insights.trust_caveats(result, ui.data.trust_register(), view.quarter, trust):
    st.warning(ui.plain(note), icon=":material/info:")

st.subheader("Each metric against its peers")
spread = ui.data.metric_spread(view.key, view.method, view.quarter, trust, result)
if spread.empty:
    st.info("No metric scores are loaded for this trust (a league-table file holds averages only).")
else:
    weakest = spread.sort_values("score", ascending=False).iloc[0]
    ui.show.chart(ui.charts.spine, (spread,), spread.drop(columns=[c for c in spread if c.startswith("pos_")]),
                  f"{me['trust_code']} metrics against peers {view.quarter}",
                  f"Spine chart of {len(spread)} metrics: grey bars span the peer minimum to maximum (darker: the "
                  f"middle half), the tick is the median, the marker is this trust. Its weakest metric is "
                  f"{weakest['metric_name']} (score {weakest['score']:.2f}).")
    st.caption(ui.plain(insights.RAG_RULE) + " Positions are among the loaded trusts of the same type; scores and RAG "
               "come from NHS England's comparison group, which for some metrics is wider, so the two can disagree.")

st.subheader("Domain scores")
domains = result.domains[(result.domains["quarter"] == view.quarter) & (result.domains["trust_code"] == trust)]
domains = domains.assign(domain_segment_label=lambda f: "segment " + f["domain_segment"].astype(str))
if domains.empty:
    st.info("No domain scores: no metric scores are loaded for this trust.")
else:
    described = "; ".join(f"{d.domain} {d.domain_score_2dp:.2f} (segment {d.domain_segment})"
                          for d in domains.itertuples())
    ui.show.chart(ui.charts.domain_bars, (domains,),
                  domains[["domain", "domain_score_2dp", "n_metrics", "domain_segment", "domain_segment_source"]],
                  f"{me['trust_code']} domain scores {view.quarter}", f"Bar chart of domain scores: {described}")

st.subheader("History across quarters")
shown = history[["quarter", "rank", "rank_lo", "rank_hi", "final_segment", "average_score_2dp", "score_lo", "score_hi"]]
ui.show.chart(ui.charts.history, (shown, "rank", "Rank (1 best)"), shown, f"{me['trust_code']} rank history",
              "Line chart of rank by quarter with likely ranges, labelled by segment: "
              + "; ".join(f"{r.quarter} rank {r.rank} (segment {r.final_segment})" for r in shown.itertuples()))

st.subheader("What it would take to move up a segment")
plan = ui.data.improvement(view.key, view.method, view.quarter, result)
step = plan[plan["trust_code"] == trust].iloc[0]
if step["blocked"]:
    st.info(ui.md("No score change is worked out: {}.", step["blocked"]))
else:
    st.markdown(ui.md("Average score to fall from **{:.2f}** to **{:.2f}** (by {:.2f}) to reach segment {}. The "
                      "fewest metrics that could do it: **{}**.", me["average_score_2dp"], step["target_average"],
                      step["fall_needed"], int(step["target_segment"]), int(step["metrics_needed"])))
    ui.show.table(ui.show.steps_frame(step["steps"]), f"{me['trust_code']} improvement plan")
ui.show.source(view, result.method.describe(result.banding) + "; likely ranges: " + ranges["range_method"].iloc[0])
