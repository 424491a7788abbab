"""What-if: change the method or a trust's metrics and see every trust that moves."""

import streamlit as st

import oversight as nof
import ui
from ui import controls

ui.page_setup("What-if", ":material/tune:")
view = ui.sidebar(page_params=controls.METHOD_PARAMS + controls.WHATIF_PARAMS)
official = ui.data.assess(view.key, nof.Method(), view.dataset)
st.title("What-if: change the method, see who moves")
st.caption(ui.md("{} · {} · {}s. Compared with NHS England's method on the same data.", view.label, view.quarter,
                 view.trust_type))

choices = ui.content.whatif_choices(view.unhighlighted, official)
ui.show.require_rows(choices.trusts, view)
method = controls.method_controls(official, view.quarter, choices.metrics)

st.header("Edit one trust's metrics")
codes = choices.trust_names
ui.state.choose("whatif_trust", list(codes), view.trust if view.trust in codes else next(iter(codes)))
who = st.selectbox("Trust", list(codes), format_func=codes.get, key="whatif_trust", on_change=controls.forget_edits)
edits = controls.edits_editor(official, view.quarter, who)
st.caption("Your method choices and edits are in this page's address: copy it to share this what-if.")
ui.state.publish(ui.state.GLOBAL + controls.METHOD_PARAMS + controls.WHATIF_PARAMS)

changed = ui.data.assess_edited(controls.edits_key(view.key, edits), method, view.dataset, edits)
moves = ui.content.moves(view.unhighlighted, official, changed)
agreement, moved = moves.agreement, moves.moved

st.header("Who moves")
cols = st.columns(3)
cols[0].metric("Trusts changing segment", agreement.segment_changes)
cols[1].metric("Trusts changing rank", agreement.rank_changes)
cols[2].metric("Kendall's tau-b of the ranks", f"{agreement.kendall_tau:.3f}",
               help="1 means the same order; computed within trust type.")
st.markdown(ui.plain(agreement.describe()))
if moved.empty:
    st.info("Nobody moves: this method gives NHS England's table.")
else:
    ui.show.table(moved.drop(columns="trust_type"), f"what-if movers {view.quarter}",
                  column_config=ui.show.movers_columns("Official", "What-if"))
edited = f"; {len(edits)} edited metric(s) of {codes[who]}" if len(edits) else ""
ui.show.source(view, method.describe(changed.banding) + edited, "Weighted kappa from statsmodels; tau-b from scipy.")
