"""Compare trusts: two to five side by side, one metric across quarters, and every trust's domain segments."""

import streamlit as st

import ui

ui.page_setup("Compare trusts", ":material/compare_arrows:")
view = ui.sidebar()
result = ui.data.assess(view.key, view.method, view.dataset)
table = view.table(result.trusts)
st.title("Compare trusts")
st.caption(ui.md("{} · {} · {}s", view.label, view.quarter, view.trust_type))
ui.show.require_rows(table, view)

names = dict(zip(table["trust_code"], table["trust_name"]))
first = [view.trust] if view.trust in names else []
default = (first + [c for c in table["trust_code"] if c not in first])[:3]
st.session_state["compare"] = [c for c in st.session_state.get("compare", default) if c in names] or default
chosen = st.multiselect("Trusts to compare (two to five)", list(names), key="compare", max_selections=5,
                        format_func=names.get, help="Start typing a trust's name.")
shown = chosen or default  # the trend below follows these

st.header("Side by side", anchor=False)
if len(chosen) < 2:
    st.info("Choose at least two trusts.")
else:
    grid = ui.data.compare_trusts(view.key, view.method, view.quarter, tuple(chosen), result)
    st.markdown("Each cell is the trust's value in the metric's own units and its place among the trusts of its "
                "type that report it (1st is best).")
    ui.show.table(grid.drop(columns="Domain"), f"compare {view.quarter}", height=min(40 + 35 * len(grid), 720))
    ui.show.source(view, result.method.describe(result.banding))

st.header("One metric across quarters", anchor=False)
scores = view.peers(result.scores)
metrics = dict(scores.drop_duplicates("metric_id").sort_values("metric_name")[["metric_id", "metric_name"]].values)
if not metrics:
    st.info("No metric scores are loaded for these trusts (a league-table file holds averages only).")
else:
    mine = scores[scores["trust_code"].isin(shown) & (scores["quarter"] == view.quarter)]
    mine = mine[mine["value"].notna()] if mine["value"].notna().any() else mine  # a raw value to follow, if any
    shared = mine.groupby("metric_id")["trust_code"].nunique().loc[lambda n: n == n.max()].index
    ui.state.choose("trend_metric", list(metrics), next((m for m in metrics if m in set(shared)), next(iter(metrics))))
    metric = st.selectbox("Metric", list(metrics), format_func=metrics.get, key="trend_metric",
                          help="It opens on a metric that every trust chosen above reports.")
    trend = ui.data.metric_trend(view.key, view.method, metric, view.trust_type, result)
    trend = trend[trend["trust_code"].isin(shown)]
    if trend["quarter"].nunique() < 2:
        st.info(ui.md("{}s have {} in one quarter only in these files, so there is no trend to show.",
                      view.trust_type, metrics[metric]))
    field = "value" if trend["value"].notna().any() else "score"
    wide = trend.pivot_table(index="trust_name", columns="quarter", values=field, aggfunc="first").reset_index()
    ui.show.table(wide, f"trend {metric}", column_config={"trust_name": "Trust"})
    st.caption(ui.md("{} of {} per quarter, in {}, as NHS England's files give them.", field.title() + "s",
                     metrics[metric], trend["units"].iloc[0] if field == "value" and len(trend) else "scores"))

st.header("Every trust's domain segments", anchor=False)
domains = view.table(ui.data.domain_table(view.key, view.method, view.quarter, result))
domains = domains[[c for c in domains if c not in ("trust_type", "trust_subtype", "trust_code", "quarter", "region")]
                  + ["region"]]  # the domains in view first, the region last
ui.show.table(domains,
              f"domain segments {view.quarter}", column_config=ui.show.league_columns(), height=480,
              highlight=view.trust_name)
st.caption("Segment 1 is best, 4 worst, within each domain: each domain has its own boundaries, read from NHS "
           "England's published domain segments (OF41xx).")
