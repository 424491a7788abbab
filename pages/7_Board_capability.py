"""Board capability: a board's own rating of the trust in NHS England's six capability areas, beside the NOF evidence
NHS England judges it on, with the places where the two disagree and a printable board pack."""

import streamlit as st

import oversight as nof
import ui
from oversight.formats import range_text
from ui import capability as cap

ui.page_setup("Board capability", ":material/fact_check:")
view = ui.sidebar()
result = ui.data.assess(view.key, view.method, view.dataset)
st.title("Board self-assessment of provider capability")
st.markdown("NHS England asks every trust board to assess its organisation's capability once a year in six areas; "
            "a region weighs that view, with the trust's NOF segment, when it decides what support the trust needs "
            "and whether a segment 4 trust enters intensive support (segment 5). Rate each area, note the board's "
            "evidence, and see the NOF evidence for it beside your rating, with a flag where the two disagree.")
st.markdown("**Nothing is kept on the server beyond this session:** the ratings and notes live in this browser tab's "
           "session and are gone when it closes. Save the CSV to keep them and upload it later to carry on. A copied "
           "link opens the same trust and quarter but does not carry the ratings.")

content = ui.content.capability(view, result)
ui.show.require_rows(content.trusts, view)
trust, evidence = content.trust, content.evidence
me = evidence.trust
rank_range, score_range = range_text(me["rank_lo"], me["rank_hi"], 0), range_text(me["score_lo"], me["score_hi"], 2)
if not view.trust:
    st.info(ui.md("No trust is highlighted in the sidebar, so this shows the top of the table: {} (rank {} of {}). "
                  "Choose a trust under Trust to highlight to assess another.", me["trust_name"], me["rank"],
                  me["peers"]), icon=":material/info:")

st.header(ui.plain(me["trust_name"]))
st.markdown(ui.md("{} · {} · NOF evidence for {}", me["trust_code"], me["trust_type"], view.quarter))
cols = st.columns(4)
cols[0].metric("Segment", int(me["final_segment"]), help="After the financial override; 5 = Recovery Support "
               "Programme (intensive support).")
cols[1].metric("Rank", f"{me['rank']} of {me['peers']}",
               help=ui.md("Within trust type. Likely range: {}.", rank_range))
cols[2].metric("Average score", f"{me['average_score_2dp']:.2f}",
               help=ui.md("1 best, 4 worst. Likely range: {}.", score_range))
flag_slot = cols[3].empty()
st.markdown(ui.md("Likely ranges: rank **{}**, average score **{}**", rank_range, score_range)
            + (". In financial deficit (segment 3 at best)." if me["deficit"] else "."))
if me["source"] == "league table":
    st.warning("This trust's figures come from a league table only, with no metric scores, so no area has NOF "
               "evidence to compare with.", icon=":material/info:")
cap.load_and_templates(trust, me["trust_name"], view.quarter, content.names)
cap.explain()

st.header("The six areas")
st.markdown("The rating scale is ours (1 Strong, 2 Good, 3 Limited, 4 Weak): NHS England's guidance names the six "
            "areas but, as far as we could find, publishes no wording for a scale. **How the page compares:** "
            + ui.plain(nof.capability.RULE.removeprefix("How the page compares: ")))
board, review, summary = cap.areas(view, result, content)
flag_slot.metric("Areas flagged", f"{int(review['flagged'].sum())} of {len(review)}",
                 help="Areas where the board's rating is two or more steps from its NOF evidence level.")

st.header("Summary and board pack")
st.markdown("The board pack is one printable page: the six areas, ratings, notes, evidence and flags, the trust's "
            "segment, rank and likely ranges, and the sources. Open it in a browser and print it, or save it as PDF.")
method = result.method.describe(result.banding)
origin = ui.data.SOURCE if view.key == ui.data.DEFAULT_KEY else "Uploaded in this session, not NHS England's figures."
sources = [f"{view.label}. {origin}", f"Method: {method}.", f"Likely ranges: {content.range_method}."]
cap.summary_and_pack(evidence, board, review, summary, sources)
st.markdown(ui.plain(" ".join(sources) + " Mapping, scale and rule: docs/capability.md (ours)."))
