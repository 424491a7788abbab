"""Altair chart builders in the NHS identity palette.

Colour never carries meaning alone: segments are also written as numbers, RAG status also as a shape and a word,
and the highlighted trust also by size, outline and label. The segment colours run dark blue to orange to dark red,
a sequence that stays distinguishable with the common colour-vision deficiencies.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

# NHS identity colours (england.nhs.uk/nhsidentity).
NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_LIGHT_BLUE = "#41B6E6"
NHS_DARK_GREY = "#425563"
NHS_MID_GREY = "#768692"
NHS_PALE_GREY = "#E8EDEE"
NHS_WARM_YELLOW = "#FFB81C"
NHS_ORANGE = "#ED8B00"
NHS_DARK_RED = "#8A1538"
NHS_RED = "#DA291C"
NHS_GREEN = "#009639"
NHS_BLACK = "#231F20"

SEGMENT_COLOURS = {1: NHS_DARK_BLUE, 2: NHS_LIGHT_BLUE, 3: NHS_WARM_YELLOW, 4: NHS_ORANGE, 5: NHS_DARK_RED}
RAG = {"Green": (NHS_GREEN, "circle"), "Amber": (NHS_WARM_YELLOW, "diamond"), "Red": (NHS_RED, "square")}

segment_scale = alt.Scale(domain=list(SEGMENT_COLOURS), range=list(SEGMENT_COLOURS.values()))
rag_colour = alt.Scale(domain=list(RAG), range=[c for c, _ in RAG.values()])
rag_shape = alt.Scale(domain=list(RAG), range=[s for _, s in RAG.values()])


def _height(rows: int) -> int:
    return max(160, min(18 * rows + 40, 2600))


def _trust_axis(order) -> alt.Y:
    """Trust names down the side, every one labelled (no label dropped for overlap)."""
    return alt.Y("trust_name:N", sort=list(order), title=None,
                 axis=alt.Axis(labelLimit=420, labelOverlap=False, labelFontSize=11, labelColor=NHS_BLACK))


def _highlight_flags(frame: pd.DataFrame, highlight: str | None) -> pd.DataFrame:
    return frame.assign(highlighted=frame["trust_code"].eq(highlight) if highlight else False)


def segment_bars(counts: pd.DataFrame) -> alt.Chart:
    """Trusts per segment. ``counts`` has ``segment`` and ``trusts``."""
    base = alt.Chart(counts).encode(
        x=alt.X("segment:O", title="Segment (1 best; 5 = Recovery Support Programme)", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("trusts:Q", title="Trusts"),
    )
    bars = base.mark_bar().encode(
        color=alt.Color("segment:O", scale=segment_scale, legend=None),
        tooltip=[alt.Tooltip("segment:O", title="Segment"), alt.Tooltip("trusts:Q", title="Trusts")],
    )
    return (bars + base.mark_text(dy=-8, color=NHS_BLACK).encode(text="trusts:Q")).properties(height=240)


def _highlight_size(big: int, small: int) -> dict:
    """Size and outline that set the highlighted trust apart (with its label, never by colour alone)."""
    return {"size": alt.condition("datum.highlighted", alt.value(big), alt.value(small)),
            "strokeWidth": alt.condition("datum.highlighted", alt.value(2), alt.value(0.5))}


def _range_chart(frame: pd.DataFrame, point: str, lo: str, hi: str, segment_field: str, segment_title: str,
                 x_title: str, point_title: str) -> alt.LayerChart:
    """Trusts down the side in the order of ``point``; a bar from ``lo`` to ``hi`` and a dot at ``point``, coloured
    by segment; the highlighted trust larger, outlined and labelled."""
    y = _trust_axis(frame.sort_values([point, "trust_name"])["trust_name"])
    tooltip = [alt.Tooltip("trust_name:N", title="Trust"), alt.Tooltip(f"{point}:Q", title=point_title),
               alt.Tooltip(f"{lo}:Q", title="Likely range from"), alt.Tooltip(f"{hi}:Q", title="to"),
               alt.Tooltip(f"{segment_field}:O", title=segment_title)]
    base = alt.Chart(frame).encode(y=y, tooltip=tooltip)
    colour = alt.Color(f"{segment_field}:O", scale=segment_scale, title=segment_title)
    bars = base.mark_rule(strokeWidth=3, opacity=0.8).encode(
        x=alt.X(f"{lo}:Q", title=x_title, scale=alt.Scale(zero=False)), x2=f"{hi}:Q", color=colour)
    dots = base.mark_point(filled=True, stroke=NHS_BLACK).encode(x=f"{point}:Q", color=colour,
                                                                 **_highlight_size(160, 45))
    label = base.transform_filter("datum.highlighted").mark_text(align="left", dx=14, fontWeight="bold").encode(
        x=f"{hi}:Q", text=alt.value("◀ highlighted"))
    return (bars + dots + label).properties(height=_height(len(frame)))


def caterpillar(table: pd.DataFrame, highlight: str | None) -> alt.LayerChart:
    """Likely range of rank per trust (ordered by rank): a bar from the low to the high end, a dot at the rank."""
    return _range_chart(_highlight_flags(table, highlight), "rank", "rank_lo", "rank_hi", "final_segment", "Segment",
                        "Rank (1 = best) and its likely range", "Rank")


def score_ranges(table: pd.DataFrame, cuts, highlight: str | None) -> alt.LayerChart:
    """Likely range of average score per trust against the segment cut points (vertical lines)."""
    ranges = _range_chart(_highlight_flags(table, highlight), "average_score_2dp", "score_lo", "score_hi",
                          "unadjusted_segment", "Segment by score",
                          "Average metric score (1 = best) and its likely range", "Average score")
    cut_frame = pd.DataFrame({"cut": list(cuts), "label": ["1 | 2", "2 | 3", "3 | 4"]})
    rules = alt.Chart(cut_frame).mark_rule(strokeDash=[4, 3], color=NHS_DARK_GREY).encode(
        x="cut:Q", tooltip=[alt.Tooltip("label:N", title="Cut point between segments"), alt.Tooltip("cut:Q")])
    labels = alt.Chart(cut_frame).mark_text(dy=-6, color=NHS_DARK_GREY, baseline="bottom").encode(
        x="cut:Q", y=alt.value(0), text="label:N")
    return alt.layer(rules, labels, ranges)


def metric_dots(rows: pd.DataFrame, x_field: str, x_title: str, median: float | None, highlight: str | None,
                higher_is_better: bool | None) -> alt.Chart:
    """One metric across the peer group (IMR): a dot per trust ordered by rank, shaped and coloured by RAG."""
    frame = _highlight_flags(rows, highlight)
    y = _trust_axis(frame.sort_values(["imr_rank", "trust_name"])["trust_name"])
    tooltip = [alt.Tooltip("trust_name:N", title="Trust"), alt.Tooltip(f"{x_field}:Q", title=x_title),
               alt.Tooltip("score:Q", title="Score", format=".2f"), alt.Tooltip("imr_rank:Q", title="Rank"),
               alt.Tooltip("rag:N", title="RAG")]
    base = alt.Chart(frame).encode(y=y, tooltip=tooltip)
    scale = alt.Scale(zero=False, reverse=higher_is_better is False)
    dots = base.mark_point(filled=True, stroke=NHS_BLACK).encode(
        x=alt.X(f"{x_field}:Q", title=x_title + (" (better to the right)" if higher_is_better is not None else ""),
                scale=scale),
        color=alt.Color("rag:N", scale=rag_colour, title="RAG"),
        shape=alt.Shape("rag:N", scale=rag_shape, title="RAG"),
        **_highlight_size(200, 60))
    layers = [dots]
    if median is not None and pd.notna(median):
        med = alt.Chart(pd.DataFrame({"median": [median]})).mark_rule(strokeDash=[4, 3], color=NHS_DARK_GREY)
        layers.insert(0, med.encode(x="median:Q", tooltip=[alt.Tooltip("median:Q", title="Peer median")]))
    return alt.layer(*layers).properties(height=_height(len(frame)))


def spine(rows: pd.DataFrame) -> alt.Chart:
    """Spine chart: each metric's peer range (minimum to maximum, quartiles darker) scaled so better is to the right,
    with the trust's own value as a dot. ``rows`` comes from :func:`oversight.insights.metric_spread`."""
    y = alt.Y("metric_name:N", title=None, sort=list(rows["metric_name"]),
              axis=alt.Axis(labelLimit=280, labelOverlap=False, labelFontSize=11))
    base = alt.Chart(rows).encode(y=y)
    x = alt.X("pos_min:Q", title="Position among peers (worst on the left, best on the right)",
              scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(labels=False, ticks=False))
    whole = base.mark_bar(height=12, color=NHS_PALE_GREY).encode(x=x, x2="pos_max:Q")
    middle = base.mark_bar(height=12, color=NHS_MID_GREY, opacity=0.6).encode(x="pos_lq:Q", x2="pos_uq:Q")
    median = base.mark_tick(color=NHS_BLACK, thickness=2, size=16).encode(x="pos_median:Q")
    tooltip = [alt.Tooltip("metric_name:N", title="Metric"), alt.Tooltip("value:Q", title="Trust's value"),
               alt.Tooltip("units:N", title="Units"), alt.Tooltip("peer_min:Q", title="Peer minimum"),
               alt.Tooltip("peer_lq:Q", title="Lower quartile"), alt.Tooltip("peer_median:Q", title="Median"),
               alt.Tooltip("peer_uq:Q", title="Upper quartile"), alt.Tooltip("peer_max:Q", title="Peer maximum"),
               alt.Tooltip("score:Q", title="Score", format=".2f"), alt.Tooltip("rag:N", title="RAG")]
    dot = base.mark_point(filled=True, size=110, stroke=NHS_BLACK, strokeWidth=1).encode(
        x="pos_value:Q", color=alt.Color("rag:N", scale=rag_colour, title="RAG"),
        shape=alt.Shape("rag:N", scale=rag_shape, title="RAG"), tooltip=tooltip)
    return (whole + middle + median + dot).properties(height=28 * len(rows) + 40)


def history(rows: pd.DataFrame, field: str, title: str, reverse: bool = True) -> alt.Chart:
    """One trust's ``field`` across quarters, with its likely range where known, each point labelled by segment."""
    rows = rows.assign(segment_label="segment " + rows["final_segment"].astype(str))
    base = alt.Chart(rows).encode(x=alt.X("quarter:N", title=None, sort=list(rows["quarter"]),
                                          axis=alt.Axis(labelAngle=0)))
    lo, hi = ("rank_lo", "rank_hi") if field == "rank" else ("score_lo", "score_hi")
    band = base.mark_rule(strokeWidth=3, opacity=0.4, color=NHS_LIGHT_BLUE).encode(
        y=alt.Y(f"{lo}:Q"), y2=f"{hi}:Q")
    line = base.mark_line(point=alt.OverlayMarkDef(filled=True, size=80), color=NHS_BLUE).encode(
        y=alt.Y(f"{field}:Q", title=title, scale=alt.Scale(reverse=reverse, zero=False, domainMin=1, nice=False)),
        tooltip=["quarter:N", alt.Tooltip(f"{field}:Q", title=title), alt.Tooltip(f"{lo}:Q", title="Likely from"),
                 alt.Tooltip(f"{hi}:Q", title="to"), alt.Tooltip("final_segment:O", title="Segment")])
    labels = base.mark_text(dy=-12, color=NHS_BLACK).encode(y=f"{field}:Q", text="segment_label:N")
    return (band + line + labels).properties(height=260)


def domain_bars(rows: pd.DataFrame) -> alt.Chart:
    """A trust's domain scores, coloured and labelled by domain segment."""
    base = alt.Chart(rows).encode(y=alt.Y("domain:N", title=None, axis=alt.Axis(labelLimit=280, labelOverlap=False)))
    bars = base.mark_bar().encode(
        x=alt.X("domain_score_2dp:Q", title="Domain score (1 = best)", scale=alt.Scale(domain=[1, 4])),
        x2=alt.datum(1),
        color=alt.Color("domain_segment:O", scale=segment_scale, legend=None),
        tooltip=[alt.Tooltip("domain:N"), alt.Tooltip("domain_score_2dp:Q", title="Score"),
                 alt.Tooltip("n_metrics:Q", title="Metrics"), alt.Tooltip("domain_segment:O", title="Segment")])
    text = base.mark_text(align="left", dx=4, color=NHS_BLACK).encode(
        x="domain_score_2dp:Q", text=alt.Text("domain_segment_label:N"))
    return (bars + text).properties(height=40 * len(rows) + 30)


def segment_grid(rows: pd.DataFrame, highlight: str | None) -> alt.Chart:
    """Trusts by quarter, each cell its final segment (colour and number) and rank."""
    frame = _highlight_flags(rows, highlight)
    base = alt.Chart(frame).encode(
        x=alt.X("quarter:N", title=None, axis=alt.Axis(orient="top", labelAngle=0)),
        y=_trust_axis(frame.drop_duplicates("trust_code").sort_values(["sort_rank", "trust_name"])["trust_name"]))
    tooltip = [alt.Tooltip("trust_name:N", title="Trust"), "quarter:N", alt.Tooltip("final_segment:O", title="Segment"),
               alt.Tooltip("rank:Q", title="Rank"), alt.Tooltip("average_score_2dp:Q", title="Average score"),
               alt.Tooltip("change:N", title="Change")]
    cells = base.mark_rect(stroke="white").encode(
        color=alt.Color("final_segment:O", scale=segment_scale, title="Segment"), tooltip=tooltip,
        strokeWidth=alt.condition("datum.highlighted", alt.value(3), alt.value(1)))
    text = base.mark_text(fontSize=11).encode(
        text="cell_label:N", color=alt.condition("datum.final_segment <= 1 || datum.final_segment >= 5",
                                                 alt.value("white"), alt.value(NHS_BLACK)))
    return (cells + text).properties(height=_height(frame["trust_code"].nunique()))
