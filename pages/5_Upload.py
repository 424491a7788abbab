"""Upload a CSV (NHS England's files or our template) and see its ranking at once, safely."""

import dataclasses

import streamlit as st

import oversight as nof
import ui
from oversight import io as nof_io
from ui import controls

ui.page_setup("Upload a CSV", ":material/upload_file:")
view = ui.sidebar()
st.title("Upload a CSV and see its ranking")
st.markdown("Upload NHS England's NOF **data** or **league-table** files (any trust type, several at once) or our "
            "**template**. Your files stay in this browser session only: nobody else sees them, the default data "
            "never changes, and a file that cannot be used leaves your last good upload in place.")

example = ui.data.template_example()
with st.expander("The template: what it holds and an example", expanded=False):
    st.markdown(nof_io.TEMPLATE_HELP)
    st.dataframe(example.head(12), hide_index=True)
    row = st.container(horizontal=True)
    row.download_button("Blank template", ui.data.csv_bytes(example.iloc[0:0]), "nof-template.csv", "text/csv",
                        icon=":material/download:", on_click="ignore")
    row.download_button("Example (six real trusts, Q4)", ui.data.csv_bytes(example), "nof-template-example.csv",
                        "text/csv", icon=":material/download:", on_click="ignore")

st.file_uploader("CSV files", accept_multiple_files=True, key=controls.uploader_key(), on_change=controls.on_upload,
                 help=controls.LIMITS)
st.caption(ui.md("{} Your files and results are for this session only, and the server lets them go {} minutes after "
                 "you last use them (it holds {} uploads at most), so you may be asked to upload again. Charts show "
                 "at most {} trusts; tables show them all.", controls.LIMITS,
                 int(ui.data.SESSION_TTL.total_seconds() // 60), ui.data.MAX_UPLOADS, ui.show.MAX_CHART_TRUSTS))

report = st.session_state.get("upload_report")
if report:
    st.header("Validation report")
    if report["ok"]:
        st.success(ui.md("Read: {}", "; ".join(f.describe() for f in report["files"])))
    else:
        kept = "your previous upload" if st.session_state.get("upload") else "NHS England's default data"
        st.error(ui.md("{} could not be used, so nothing changed: the app still shows {}. Each problem below says "
                       "where it is and how to fix it.", ", ".join(report["names"]), kept))
    if report["problems"]:
        ui.show.table(nof.problems_frame(report["problems"]), "upload problems", column_config={
            "severity": "Severity", "file": "File", "row": "Row", "column": "Column", "problem": "Problem",
            "fix": "What to do"})

if st.session_state.get("upload") and view.key.startswith("upload:"):
    stale = ui.data.stale_scores(view.key, ui.data.assess(view.key, view.method, view.dataset))
    rescore = not stale.empty and st.toggle(
        "Rank my upload on scores worked out from its raw values", key="upload_rescore",
        help="Each metric is re-ranked among the trusts you uploaded, with NHS England's standards and bands.")
    result = ui.data.assess(view.key, dataclasses.replace(view.method, rescore=rescore), view.dataset)
    if not stale.empty:
        st.warning(ui.md("{} score(s) in your upload disagree with their own raw values (a value changed, its score "
                         "not), so the ranking below {}. Switch on the toggle above to rank on scores worked out "
                         "from the raw values instead.", len(stale),
                         "uses scores worked out from the raw values" if rescore else "still uses the old scores"))
        ui.show.table(stale, "scores that disagree with their raw values", column_config={
            "quarter": "Quarter", "trust_code": "Code", "trust_name": "Trust", "metric_id": "Metric",
            "metric_name": "Metric name", "value": "Raw value", "score": "Score in the file", "why": "Why"})
    table = view.table(result.trusts)
    st.header(ui.md("Ranking of your upload: {}, {}s", view.quarter, view.trust_type))
    ui.show.table(table[["rank", "trust_code", "trust_name", "final_segment", "average_score_2dp", "deficit",
                         "n_metrics"]], f"upload ranking {view.quarter}", column_config=ui.show.league_columns(),
                  highlight=view.trust_name)
    ui.show.source(view, result.method.describe(result.banding))
    official = ui.data.assess(ui.data.DEFAULT_KEY, view.method, ui.data.default_dataset())
    moves = ui.content.moves(view.unhighlighted, official, result)
    movers, agreement, moved = moves.movers, moves.agreement, moves.moved
    if len(movers) >= 2:
        st.header("Against the official ranking")
        st.markdown(ui.md("Your upload holds {} trusts of NHS England's {} table. {}", len(movers), view.quarter,
                          agreement.describe()))
        if moved.empty:
            st.success("Every trust keeps its official segment and its order among these trusts.")
        else:
            ui.show.table(moved.drop(columns="trust_type"), "upload against official",
                          column_config=ui.show.movers_columns("Official", "Your"))
    st.button("Forget my upload and go back to NHS England's data", on_click=controls.forget_upload)
elif st.session_state.get("upload"):
    st.info("Your upload is kept for this session: choose **Your upload** under Dataset in the sidebar to use it.")
