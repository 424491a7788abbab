"""The shared sidebar: navigation and the filters every page uses."""

from __future__ import annotations

import streamlit as st

import oversight as nof

from . import controls, data, icons, janitor, state, style
from .text import md

PAGES = [
    ("streamlit_app.py", "Overview", ":material/dashboard:"),
    ("pages/1_AMR_league_table.py", "AMR league table", ":material/format_list_numbered:"),
    ("pages/2_Individual_metrics.py", "Individual metrics (IMR)", ":material/leaderboard:"),
    ("pages/3_Confidence_and_volatility.py", "Confidence and volatility", ":material/query_stats:"),
    ("pages/4_Trust_profile.py", "Trust profile", ":material/local_hospital:"),
    ("pages/8_Compare_trusts.py", "Compare trusts", ":material/compare_arrows:"),
    ("pages/5_Upload.py", "Upload a CSV", ":material/upload_file:"),
    ("pages/6_What_if.py", "What-if: change the method", ":material/tune:"),
    ("pages/7_Board_capability.py", "Board capability", ":material/fact_check:"),
    ("pages/9_Method_and_sources.py", "Method and sources", ":material/menu_book:"),
]
UPLOAD = state.UPLOAD
# Every value a link may carry, read on whichever page the link opens (each page writes back only its own).
LINK_PARAMS = state.GLOBAL + (state.METRIC,) + controls.METHOD_PARAMS + controls.WHATIF_PARAMS


def page_setup(title: str, icon: str) -> None:
    """Page title and favicon (``icon``, ":material/name:", drawn from Streamlit's own font and sent inline); and,
    at most once a minute, free what closed sessions left behind (:mod:`ui.janitor`)."""
    st.set_page_config(page_title=f"{title} | NOF explorer", page_icon=icons.favicon(icon), layout="wide")
    style.apply()
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

        by_type = data.type_quarters(dataset)
        types = list(by_type)
        default_type = nof.catalogue.ACUTE if nof.catalogue.ACUTE in types else types[0]
        state.choose("trust_type", types, default_type)
        st.selectbox("Trust type (peer group)", types, key="trust_type", format_func=_type_label,
                     help="NHS England ranks each type of trust only against its own peers.")
        trust_type = st.session_state["trust_type"]
        quarters = by_type[trust_type]
        asked = st.session_state.get("quarter")
        if asked is not None and asked not in quarters and asked in dataset.quarters:
            st.info(md("{} have data for {} only in these files, so this shows {}.", _type_label(trust_type),
                       ", ".join(quarters), quarters[-1]), icon=":material/info:")
            st.session_state["quarter"] = quarters[-1]
        state.choose("quarter", quarters, quarters[-1])
        st.selectbox("Quarter", quarters, key="quarter",
                     help="The quarters this trust type has data for in the loaded files.")
        _latest_links(by_type)
        acute = trust_type == nof.catalogue.ACUTE
        state.choose("non_specialist", [True, False], False)
        if acute:
            st.toggle("Non-specialist trusts only", key="non_specialist",
                      help="Hide the 'Acute - Specialist' subtype, as the press's top-ten tables do. Ranks stay "
                           "those of the whole acute table.")
        regions = _regions(key, dataset, st.session_state["quarter"], trust_type)
        state.choose("region", [None, *regions], None)
        st.selectbox("Region", regions, key="region", index=None, placeholder="All regions",
                     help="Show one NHS England region's trusts. Ranks stay those of the whole table.")

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
                      bool(st.session_state["non_specialist"] and acute), st.session_state["trust"],
                      region=st.session_state["region"], trust_name=trusts.get(st.session_state["trust"]))


def _type_label(trust_type: str) -> str:
    """'Acute trusts', 'Mental health and community trusts'."""
    return trust_type[0].upper() + trust_type[1:] + "s"


def _latest_links(by_type: dict[str, list[str]]) -> None:
    """One click to each trust type's latest quarter (the page stays the same)."""
    if len(by_type) < 2:
        return
    here = st.session_state.get("trust_type"), st.session_state.get("quarter")
    st.caption("Latest quarter of each type:")
    for trust_type, quarters in by_type.items():
        if (trust_type, quarters[-1]) != here:
            st.button(md("{}, {}", _type_label(trust_type), quarters[-1]), key=f"latest-{state.TYPE_CODES[trust_type]}",
                      on_click=_go_to, args=(trust_type, quarters[-1]), icon=":material/arrow_forward:",
                      type="tertiary")


def _go_to(trust_type: str, quarter: str) -> None:
    st.session_state["trust_type"], st.session_state["quarter"] = trust_type, quarter
    st.session_state["trust"] = st.session_state["region"] = None


@data.cached()
def _regions(key: str, _dataset: nof.Dataset, quarter: str, trust_type: str) -> list[str]:
    rows = [f[(f["quarter"] == quarter) & (f["trust_type"] == trust_type)]["region"]
            for f in (_dataset.metrics, _dataset.league)]
    return sorted({r for part in rows for r in part if r})


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
