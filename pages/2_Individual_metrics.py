"""Individual metric ranking (IMR): one metric across a peer group, with units, dates, scores, ranks and RAG."""

import streamlit as st

import ui
from oversight import catalogue, insights

ui.page_setup("Individual metrics (IMR)", ":material/leaderboard:")
view = ui.sidebar(page_params=(ui.state.METRIC,))
result = ui.data.assess(view.key, view.method, view.dataset)

names = ui.content.metric_names(view.unhighlighted, result)
st.title("Individual metric ranking (IMR)")
if names.empty:
    st.warning("No metric scores are loaded for this quarter and trust type.")
    st.stop()
ui.state.choose("metric", list(names.index), names.index[0])
labels = {m: f"{r.domain} · {r.metric_name} ({m})" for m, r in names.iterrows()}
metric_id = st.selectbox("Metric (grouped by domain)", list(names.index), key="metric", format_func=labels.get)
ui.state.publish(ui.state.GLOBAL + (ui.state.METRIC,))

content = ui.content.imr(view, result, metric_id)
rows, raw, units, mine = content.rows, content.raw, content.units, content.row(view.trust)
info = catalogue.metric(metric_id)
direction = {True: "higher is better", False: "lower is better", None: "scored by NHS England"}[info.higher_is_better]
st.markdown(ui.md("**{}** · units: {} · {} · score {} · reporting period: {}", rows["metric_name"].iloc[0], units,
                  direction, catalogue.comparison_group_text(metric_id), content.dates))

cols = st.columns(4)
cols[0].metric("Trusts scored", len(rows))
cols[1].metric("Peer median", f"{rows['peer_median'].iloc[0]:.2f}" if raw else f"{rows['score'].median():.2f}")
cols[2].metric("Peer quartiles", f"{rows['peer_lower_quartile'].iloc[0]:.2f} to "
               f"{rows['peer_upper_quartile'].iloc[0]:.2f}" if raw else "n/a")
if mine is not None:
    cols[3].metric("Highlighted trust", f"rank {mine['imr_rank']} of {content.ranked}",
                   help=ui.md("{}: value {:g} {}; score {:.2f}; RAG {}.", mine["trust_name"], mine["value"], units,
                              mine["score"], mine["rag"]) if raw else
                   ui.md("{}: score {:.2f}; RAG {}.", mine["trust_name"], mine["score"], mine["rag"]))

x_field, x_title = ("value", f"{rows['metric_name'].iloc[0]} ({units})") if raw else ("score", "Score (1 best)")
best = rows.iloc[0]
ui.show.chart(
    ui.charts.metric_dots, (content.plotted, x_field, x_title, rows["peer_median"].iloc[0] if raw else None,
                            view.trust, info.higher_is_better if raw else False),
    content.charted, f"IMR {metric_id} {view.quarter}",
    f"Dot chart of {len(rows)} trusts' {x_title} ordered by rank, shaped and coloured by RAG; best is "
    f"{best['trust_name']} ({best[x_field]:g}).", keep=view.trust)

st.header("Every trust")
ui.show.table(content.listed, f"IMR {metric_id} {view.quarter} table", highlight=view.trust_name, column_config={
    "imr_rank": st.column_config.NumberColumn("Rank", help="Within trust type, by score then raw value."),
    "trust_name": "Trust", "value": "Value", "units": "Units", "reporting_date": "Reporting period",
    "score": st.column_config.NumberColumn("Score", format="%.2f"), "peer_median": "Peer median",
    "peer_lower_quartile": "Lower quartile", "peer_upper_quartile": "Upper quartile", "rag": "RAG"})
st.caption(ui.plain(insights.RAG_RULE))
ui.show.source(view, f"score {catalogue.comparison_group_text(metric_id)} (continuous metrics: 1 + 3 (rank - 1) / "
               f"(N - 1)); scores here: {content.sources}; peer median and quartiles within trust type")
