"""Compare trusts: two to five side by side, one metric across quarters, and every trust's domain segments."""

import streamlit as st

import ui

ui.page_setup("Compare trusts", ":material/compare_arrows:")
view = ui.sidebar()
result = ui.data.assess(view.key, view.method, view.dataset)
content = ui.content.compare_choices(view.unhighlighted, result)
st.title("Compare trusts")
st.caption(ui.md("{} · {} · {}s", view.label, view.quarter, view.trust_type))
ui.show.require_rows(content.trusts, view)

names = content.names
first = [view.trust] if view.trust in names else []
default = (first + [c for c in names if c not in first])[:3]
st.session_state["compare"] = [c for c in st.session_state.get("compare", default) if c in names] or default
chosen = st.multiselect("Trusts to compare (two to five)", list(names), key="compare", max_selections=5,
                        format_func=names.get, help="Start typing a trust's name.")
shown = tuple(chosen or default)  # the trend below follows these

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
metrics = content.metrics
if not metrics:
    st.info("No metric scores are loaded for these trusts (a league-table file holds averages only).")
else:
    opening = ui.content.shared_metric(view.unhighlighted, result, shown, tuple(metrics)) or next(iter(metrics))
    ui.state.choose("trend_metric", list(metrics), opening)
    metric = st.selectbox("Metric", list(metrics), format_func=metrics.get, key="trend_metric",
                          help="It opens on a metric that every trust chosen above reports.")
    trend = ui.content.trend(view.unhighlighted, result, metric, shown)
    if trend.quarters < 2:
        st.info(ui.md("{}s have {} in one quarter only in these files, so there is no trend to show.",
                      view.trust_type, metrics[metric]))
    ui.show.table(trend.wide, f"trend {metric}", column_config={"trust_name": "Trust"})
    st.caption(ui.md("{} of {} per quarter, in {}, as NHS England's files give them.", trend.field.title() + "s",
                     metrics[metric], trend.units))

st.header("Every trust's domain segments", anchor=False)
ui.show.table(content.domains, f"domain segments {view.quarter}", column_config=ui.show.league_columns(), height=480,
              highlight=view.trust_name)
st.caption("Segment 1 is best, 4 worst, within each domain: each domain has its own boundaries, read from NHS "
           "England's published domain segments (OF41xx).")
