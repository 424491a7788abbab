"""The shared sidebar: navigation and the filters every page uses."""

from __future__ import annotations

import streamlit as st

import oversight as nof

from . import controls, data, icons, janitor, state
from .text import md

PAGES = [
    ("streamlit_app.py", "Overview", ":material/dashboard:"),
    ("pages/1_AMR_league_table.py", "AMR league table", ":material/format_list_numbered:"),
    ("pages/2_Individual_metrics.py", "Individual metrics (IMR)", ":material/leaderboard:"),
    ("pages/3_Confidence_and_volatility.py", "Confidence and volatility", ":material/query_stats:"),
    ("pages/4_Trust_profile.py", "Trust profile", ":material/local_hospital:"),
    ("pages/5_Upload.py", "Upload a CSV", ":material/upload_file:"),
    ("pages/6_What_if.py", "What-if: change the method", ":material/tune:"),
    ("pages/7_Board_capability.py", "Board capability", ":material/fact_check:"),
]
UPLOAD = state.UPLOAD
# Every value a link may carry, read on whichever page the link opens (each page writes back only its own).
LINK_PARAMS = state.GLOBAL + (state.METRIC,) + controls.METHOD_PARAMS


def page_setup(title: str, icon: str) -> None:
    """Page title and favicon (``icon``, ":material/name:", drawn from Streamlit's own font and sent inline); and,
    at most once a minute, free what closed sessions left behind (:mod:`ui.janitor`)."""
    st.set_page_config(page_title=f"{title} | NOF explorer", page_icon=icons.favicon(icon), layout="wide")
    janitor.sweep()


def current_upload() -> tuple | None:
    """This session's last good upload's files, or None. An upload the server has dropped (unused for
    ``ui.data.SESSION_TTL``, or too many newer ones) is forgotten, with a note."""
    upload = st.session_state.get("upload")
    if not upload:
        return None
    files = data.upload_files(upload["key"])
    if files is None:
        st.session_state.pop("upload")
        st.info(md("Your upload ({}) was not used for {} minutes, so the server let it go. Upload it again to see it.",
                   ", ".join(upload["names"]), int(data.SESSION_TTL.total_seconds() // 60)))
    return files


def current_dataset(files: tuple | None) -> tuple[str, nof.Dataset, str]:
    """The dataset chosen in the sidebar: the default data, or this session's last good upload (``files``)."""
    if st.session_state.get("dataset") == UPLOAD and files:
        key = st.session_state["upload"]["key"]
        return key, data.read_upload(key, files), "Your upload: " + ", ".join(n for n, _ in files)
    return data.DEFAULT_KEY, data.default_dataset(), data.DEFAULT_LABEL


def sidebar(page_params: tuple[state.Param, ...] = ()) -> state.View:
    """Draw the shared sidebar and return the view it selects. Every value a link may carry is read here, whichever
    page it opens; ``page_params`` are the page's own, written back to the URL with the shared filters."""
    with st.sidebar:
        st.markdown("### NOF explorer")
        state.restore(LINK_PARAMS)
        files = current_upload()
        has_upload = files is not None
        foreign = st.session_state.get("dataset") == UPLOAD and not has_upload
        if foreign:
            st.info("The link asked for an uploaded dataset, which belongs to another session; showing the "
                    "default data.")
        state.choose("dataset", [data.DEFAULT_KEY, UPLOAD] if has_upload else [data.DEFAULT_KEY], data.DEFAULT_KEY,
                     quiet=foreign)
        if has_upload:
            st.radio("Dataset", [data.DEFAULT_KEY, UPLOAD], key="dataset",
                     format_func=lambda k: "NHS England's data (default)" if k == data.DEFAULT_KEY else "Your upload")
        key, dataset, label = current_dataset(files)

        quarters = dataset.quarters
        state.choose("quarter", quarters, quarters[-1])
        st.selectbox("Quarter", quarters, key="quarter")

        types = dataset.trust_types
        state.choose("trust_type", types, nof.catalogue.MHC if nof.catalogue.MHC in types else types[0])
        st.selectbox("Trust type (peer group)", types, key="trust_type",
                     help="NHS England ranks each type of trust only against its own peers.")
        acute = st.session_state["trust_type"] == nof.catalogue.ACUTE
        state.choose("non_specialist", [True, False], False)
        if acute:
            st.toggle("Non-specialist trusts only", key="non_specialist",
                      help="Hide the 'Acute - Specialist' subtype, as the press's top-ten tables do. Ranks stay "
                           "those of the whole acute table.")

        trusts = _trust_names(key, dataset, st.session_state["quarter"], st.session_state["trust_type"],
                              bool(acute and st.session_state["non_specialist"]))
        state.choose("trust", [None, *trusts], None)
        st.selectbox("Trust to highlight", list(trusts), key="trust", index=None,
                     format_func=lambda code: trusts.get(code, code), placeholder="None",
                     help="Marked in every chart and opened on the trust profile page.")
        view_params = state.publish(state.GLOBAL + tuple(page_params))
        global_params = {k: v for k, v in view_params.items() if k in {p.name for p in state.GLOBAL}}
        st.divider()
        for path, title, icon in PAGES:
            st.page_link(path, label=title, icon=icon, query_params=global_params)
        st.caption(md("Data: {}.", label))
    return state.View(key, dataset, label, st.session_state["quarter"], st.session_state["trust_type"],
                      bool(st.session_state["non_specialist"] and acute), st.session_state["trust"])


@data.cached()
def _trust_names(key: str, _dataset: nof.Dataset, quarter: str, trust_type: str,
                 non_specialist: bool) -> dict[str, str]:
    """Trust codes to names for one quarter and type (without specialist trusts if asked), sorted by name."""
    frames = [_dataset.metrics, _dataset.league]
    rows = [f[(f["quarter"] == quarter) & (f["trust_type"] == trust_type)
              & ~(non_specialist & (f["trust_subtype"] == nof.catalogue.SPECIALIST_SUBTYPE))]
            [["trust_code", "trust_name"]] for f in frames]
    names = {}
    for frame in rows:
        names.update(dict(zip(frame["trust_code"], frame["trust_name"])))
    return dict(sorted(names.items(), key=lambda item: item[1]))
