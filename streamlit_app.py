"""Overview: segments, national average, top and bottom trusts, who changed segment and why, and the caveats."""

if __name__ != "__main__":
    # Served: `streamlit run streamlit_app.py` reads this file, finds `app` and serves it (Streamlit's st.App), which
    # imports the file as a module, so the page below must not run then. Every page view runs the file as
    # "__main__". Served this way, the server works out the overview's default view once at start, in the background,
    # before any visitor asks for it (warmup.py).
    import streamlit as st

    import warmup

    app = st.App(__file__, lifespan=warmup.lifespan)
else:
    import streamlit as st

    import ui

    ui.page_setup("Overview", ":material/dashboard:")
    view = ui.sidebar()
    result = ui.data.assess(view.key, view.method, view.dataset)
    content = ui.content.overview(view.unhighlighted, result)
    table, counts = content.table, content.counts

    st.title("NHS Oversight Framework: overview")
    st.caption(ui.md("{} · {} · {}s", view.label, view.quarter, view.trust_type))
    ui.show.require_rows(table, view)

    cols = st.columns(4)
    cols[0].metric("Trusts", len(table))
    cols[1].metric("National average score", f"{content.average:.2f}", help=ui.md("All {:,} metric scores of these "
                   "trusts divided by their number (1 best, 4 worst), as NHS England computes it.", content.n_scores))
    cols[2].metric("In segment 1", int(counts.loc[counts["segment"] == 1, "trusts"].iloc[0]))
    cols[3].metric("In financial deficit", int(table["deficit"].sum()))
    ui.show.source(view, result.method.describe(result.banding))

    st.header("Trusts per segment")
    ui.show.chart(ui.charts.segment_bars, (counts,), counts, f"Trusts per segment {view.quarter}",
                  f"Bar chart of trusts per segment, {view.quarter}: {content.counts_text}.")

    league = ui.show.league_columns()  # narrower for half the page, so that every column shows at 1440 px
    half_width = league | {"rank": {**league["rank"], "width": 55},
                           "trust_name": {**league["trust_name"], "width": 205}}
    left, right = st.columns(2)
    with left:
        st.header("Top ten")
        ui.show.table(content.top, f"top ten {view.quarter}", column_config=half_width, highlight=view.trust_name,
                      wrap=True)
        st.header("Bottom five")
        ui.show.table(content.bottom, f"bottom five {view.quarter}", column_config=half_width,
                      highlight=view.trust_name, wrap=True)
    with right:
        st.header("Strong overall, struggling somewhere")
        st.markdown(ui.plain(content.hidden_headline))
        if content.worst:
            st.markdown(ui.md_list("**{}** (rank {}): {}", content.worst))
        st.page_link("pages/3_Confidence_and_volatility.py", label="Every hidden problem and fragile position",
                     icon=":material/query_stats:", query_params=ui.state.url_params(ui.state.GLOBAL))

    st.header("Who changed segment since the previous quarter, and why")
    if content.changes.empty:
        st.info(ui.md("No earlier quarter is loaded for {}s, so there is nothing to compare {} with.",
                      view.trust_type.lower(), view.quarter))
    elif content.moved.empty:
        st.info("No trust of this type changed segment.")
    else:
        st.markdown(ui.plain(content.changes_headline))
        ui.show.table(content.moved[["trust_name", "segment_before", "segment_after", "noise", "reason"]],
                      f"segment changes {view.quarter}", highlight=view.trust_name, wrap=True, column_config={
            "trust_name": "Trust", "segment_before": "Before",
            "segment_after": "Now",
            "reason": st.column_config.TextColumn("Why (what drove it)", width="large"),
            "noise": st.column_config.TextColumn(
                "Last quarter's range", help=ui.md("Is the new average score inside {}'s likely range of average "
                                                   "score? Inside it, the change is within the noise of the trust's "
                                                   "own uneven scores.", content.previous))})

    with st.expander("NHS England's caveats: read before comparing trusts", expanded=False):
        st.markdown("""
- **Compare like with like.** Trusts are ranked only against their own type (acute; mental health and community;
  ambulance). Specialist acute trusts sit in the acute table.
- **Different reporting dates.** Each metric has its own period (the Reporting_date column): a league table mixes
  months, quarters and years.
- **Mergers and acquisitions.** A merged trust's figures may cover predecessor organisations; the trust profile
  shows closures recorded in the ODS trust list.
- **Confidence intervals.** The likely ranges show how much a trust's position rests on a few metrics; a trust can
  rank well and still score badly on one metric.
- **Volatility.** Small score changes move trusts across segment boundaries between quarters; a change inside the
  previous quarter's likely range is within the noise.
""")
