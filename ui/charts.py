"""Altair chart builders, readable on a projector, for colour-blind viewers and at WCAG 2.2 AA.

Colour never carries meaning alone: segments are also written as numbers or drawn as shapes, RAG status also as a
shape and a word, and the highlighted trust also by size, outline, a "▶" before its name and a bold label.

Segment palette (segments 1 to 5): each at least 3:1 against white, as WCAG 1.4.11 asks of graphics, with black or
white text on it (whichever reads better) at least 4.5:1, and a shape of its own, so that no segment is told by
colour alone. ``tests/test_accessibility.py`` recomputes every ratio here with :func:`contrast_ratio`.

====  =======  ====================  ================  ================  =====
seg.  colour   name                  against white     text on it        shape
====  =======  ====================  ================  ================  =====
1     #003087  NHS Dark Blue         11.85:1           white, 11.85:1    circle
2     #3A9484  teal                  3.65:1            black, 5.75:1     square
3     #9B3FF0  violet                4.81:1            white, 4.81:1     triangle
4     #B27512  ochre                 3.86:1            black, 5.45:1     diamond
5     #8A1538  NHS Dark Red          9.35:1            white, 9.35:1     cross
====  =======  ====================  ================  ================  =====

The palette it replaces (NHS Dark Blue, Light Blue, Warm Yellow, Orange, Dark Red) had segments 2 to 4 at 2.32,
1.73 and 2.53:1 against white, under the 3:1 that graphics need, and segments 3 and 4 (yellow and orange) close
together for red-green colour-blind viewers.

Text in charts is NHS text colour #212B32 (14.42:1 on white), secondary text NHS Dark Grey #425563 (7.75:1); axis
labels 13 px and titles 14 px. Trust names are never truncated on a wide screen (full names also in tooltips); where
the chart is narrower than :data:`NARROW` px (a phone), names lose "NHS (Foundation) Trust" and are cut at a word
boundary to about 18 characters, and the range charts' legend sits above the chart, so that the ranges stay in view
(at 320 px wide, about half the chart's width).
"""

from __future__ import annotations

import json

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
TEXT = "#212B32"  # NHS.UK text colour
WHITE = "#FFFFFF"
BLACK = "#000000"

SEGMENT_COLOURS = {1: NHS_DARK_BLUE, 2: "#3A9484", 3: "#9B3FF0", 4: "#B27512", 5: NHS_DARK_RED}
SEGMENT_SHAPES = {1: "circle", 2: "square", 3: "triangle-up", 4: "diamond", 5: "cross"}
# Amber is below 3:1 against white; every RAG marker has a dark outline (the contrast WCAG 1.4.11 asks for) and its
# own shape, and its word is in the legend and tooltip.
RAG = {"Green": (NHS_GREEN, "circle"), "Amber": (NHS_WARM_YELLOW, "diamond"), "Red": (NHS_RED, "square")}

LABEL_SIZE = 13
TITLE_SIZE = 14
ROW_STEP = 20  # px per trust in a chart with a row per trust (13 px labels, never dropped for overlap)
NARROW = 640  # px: a chart container narrower than this shortens trust names so the ranges stay in view


def relative_luminance(colour: str) -> float:
    """WCAG 2.2 relative luminance of ``colour`` ("#RRGGBB")."""
    channels = [int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str = WHITE) -> float:
    """WCAG 2.2 contrast ratio of two colours ("#RRGGBB"), 1 to 21."""
    dark, light = sorted((relative_luminance(a), relative_luminance(b)))
    return (light + 0.05) / (dark + 0.05)


def text_colour_on(fill: str) -> str:
    """White or black, whichever reads better on ``fill``."""
    return WHITE if contrast_ratio(fill, WHITE) >= contrast_ratio(fill, BLACK) else BLACK


SEGMENT_TEXT = {s: text_colour_on(c) for s, c in SEGMENT_COLOURS.items()}

segment_scale = alt.Scale(domain=list(SEGMENT_COLOURS), range=list(SEGMENT_COLOURS.values()))
segment_shape = alt.Scale(domain=list(SEGMENT_SHAPES), range=list(SEGMENT_SHAPES.values()))
rag_colour = alt.Scale(domain=list(RAG), range=[c for c, _ in RAG.values()])
rag_shape = alt.Scale(domain=list(RAG), range=[s for _, s in RAG.values()])


def finish(chart):
    """``chart`` with the house style for text: NHS text colour #212B32 (14.42:1 on white), 13 px labels and 14 px
    titles, so that axis and legend text passes WCAG 1.4.3 whatever theme draws the chart, and reads at 1920 px."""
    return (chart.configure_axis(labelColor=TEXT, titleColor=TEXT, labelFontSize=LABEL_SIZE, titleFontSize=TITLE_SIZE,
                                 domainColor=NHS_MID_GREY, tickColor=NHS_MID_GREY, titlePadding=8)
            .configure_legend(labelColor=TEXT, titleColor=TEXT, labelFontSize=LABEL_SIZE, titleFontSize=TITLE_SIZE,
                              symbolSize=120, symbolStrokeColor=NHS_BLACK, labelLimit=0)
            .configure_text(fontSize=LABEL_SIZE, color=TEXT)
            .configure_header(labelColor=TEXT, titleColor=TEXT, labelFontSize=LABEL_SIZE, titleFontSize=TITLE_SIZE))


def _height(rows: int) -> int:
    return max(160, min(ROW_STEP * rows + 50, 3200))


def _short_name(label: str = "datum.label", keep: int = 18) -> str:
    """A Vega expression: ``label`` without "NHS (Foundation) Trust", cut at a word boundary to about ``keep``
    characters (with "…") when longer."""
    bare = f"replace({label}, regexp(' (NHS|National Health Service)( Foundation)? Trust$'), '')"
    cut = f"replace(slice({bare}, 0, {keep + 1}), regexp('[ ,]+[^ ,]*$'), '') + '…'"
    return f"(length({bare}) > {keep} ? {cut} : {bare})"


def _name_of(frame: pd.DataFrame, highlight: str | None) -> str | None:
    if not highlight or "trust_code" not in frame or "trust_name" not in frame:
        return None
    names = frame.loc[frame["trust_code"] == highlight, "trust_name"]
    return str(names.iloc[0]) if len(names) else None


def _trust_axis(order, highlighted_name: str | None = None) -> alt.Y:
    """Trust names down the side, every one labelled (none dropped for overlap) and never truncated on a wide
    screen; the highlighted trust's name bold after a "▶"."""
    # ``width * 0 +`` makes Vega re-evaluate the label when the chart is resized (containerSize alone is read once).
    label = f"(width * 0 + containerSize()[0] < {NARROW} ? {_short_name()} : datum.label)"
    weight: str | dict = "normal"
    if highlighted_name is not None:
        same = f"datum.value === {json.dumps(highlighted_name)}"  # a JSON string is a valid Vega string literal
        label = f"({same} ? '▶ ' : '') + {label}"
        weight = {"condition": {"test": same, "value": "bold"}, "value": "normal"}
    return alt.Y("trust_name:N", sort=list(order), title=None,
                 axis=alt.Axis(labelLimit=720, labelOverlap=False, labelFontSize=LABEL_SIZE, labelColor=TEXT,
                               labelExpr=label, labelFontWeight=weight))


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
    return (bars + base.mark_text(dy=-9, color=TEXT, fontSize=TITLE_SIZE).encode(text="trusts:Q")).properties(
        height=260)


def _highlight_size(big: int, small: int) -> dict:
    """Size and outline that set the highlighted trust apart (with its label, never by colour alone)."""
    return {"size": alt.condition("datum.highlighted", alt.value(big), alt.value(small)),
            "strokeWidth": alt.condition("datum.highlighted", alt.value(2.5), alt.value(0.75))}


def _range_chart(frame: pd.DataFrame, point: str, lo: str, hi: str, segment_field: str, segment_title: str,
                 x_title: str, point_title: str, highlighted_name: str | None) -> alt.LayerChart:
    """Trusts down the side in the order of ``point``; a bar from ``lo`` to ``hi`` and a marker at ``point``,
    coloured and shaped by segment; the highlighted trust larger, outlined and labelled."""
    y = _trust_axis(frame.sort_values([point, "trust_name"])["trust_name"], highlighted_name)
    tooltip = [alt.Tooltip("trust_name:N", title="Trust"), alt.Tooltip(f"{point}:Q", title=point_title),
               alt.Tooltip(f"{lo}:Q", title="Likely range from"), alt.Tooltip(f"{hi}:Q", title="to"),
               alt.Tooltip(f"{segment_field}:O", title=segment_title)]
    base = alt.Chart(frame).encode(y=y, tooltip=tooltip)
    # The legend above the chart, not beside it: on a phone the names and a side legend left no room for the ranges.
    legend = alt.Legend(orient="top", direction="horizontal", columns=3, columnPadding=8, labelOffset=3, symbolSize=90)
    colour = alt.Color(f"{segment_field}:O", scale=segment_scale, title=segment_title, legend=legend)
    shape = alt.Shape(f"{segment_field}:O", scale=segment_shape, title=segment_title, legend=legend)
    bars = base.mark_rule(strokeWidth=3).encode(
        x=alt.X(f"{lo}:Q", title=x_title, scale=alt.Scale(zero=False)), x2=f"{hi}:Q", color=colour)
    dots = base.mark_point(filled=True, stroke=NHS_BLACK, opacity=1).encode(x=f"{point}:Q", color=colour,
                                                                            shape=shape, **_highlight_size(220, 60))
    # On a phone the words after the range would take the ranges' room (Vega fits the chart around every mark), and
    # the bold "▶" name already marks the trust.
    words = alt.expr(f"width * 0 + containerSize()[0] < {NARROW} ? '' : '◀ highlighted'")
    label = base.transform_filter("datum.highlighted").mark_text(
        align="left", dx=14, fontWeight="bold", fontSize=TITLE_SIZE, text=words).encode(x=f"{hi}:Q")
    return (bars + dots + label).properties(height=_height(len(frame)))


def caterpillar(table: pd.DataFrame, highlight: str | None) -> alt.LayerChart:
    """Likely range of rank per trust (ordered by rank): a bar from the low to the high end, a marker at the rank."""
    return _range_chart(_highlight_flags(table, highlight), "rank", "rank_lo", "rank_hi", "final_segment", "Segment",
                        "Rank (1 = best) and its likely range", "Rank", _name_of(table, highlight))


def score_ranges(table: pd.DataFrame, cuts, highlight: str | None) -> alt.LayerChart:
    """Likely range of average score per trust against the segment cut points (vertical lines)."""
    ranges = _range_chart(_highlight_flags(table, highlight), "average_score_2dp", "score_lo", "score_hi",
                          "unadjusted_segment", "Segment by score",
                          "Average metric score (1 = best) and its likely range", "Average score",
                          _name_of(table, highlight))
    cut_frame = pd.DataFrame({"cut": list(cuts), "label": ["1 | 2", "2 | 3", "3 | 4"]})
    rules = alt.Chart(cut_frame).mark_rule(strokeDash=[5, 3], strokeWidth=1.5, color=NHS_DARK_GREY).encode(
        x="cut:Q", tooltip=[alt.Tooltip("label:N", title="Boundary between segments"), alt.Tooltip("cut:Q")])
    labels = alt.Chart(cut_frame).mark_text(dy=-6, color=NHS_DARK_GREY, baseline="bottom", fontWeight="bold").encode(
        x="cut:Q", y=alt.value(0), text="label:N")
    return alt.layer(rules, labels, ranges)


def metric_dots(rows: pd.DataFrame, x_field: str, x_title: str, median: float | None, highlight: str | None,
                higher_is_better: bool | None) -> alt.Chart:
    """One metric across the peer group (IMR): a dot per trust ordered by rank, shaped and coloured by RAG."""
    frame = _highlight_flags(rows, highlight)
    y = _trust_axis(frame.sort_values(["imr_rank", "trust_name"])["trust_name"], _name_of(rows, highlight))
    tooltip = [alt.Tooltip("trust_name:N", title="Trust"), alt.Tooltip(f"{x_field}:Q", title=x_title),
               alt.Tooltip("score:Q", title="Score", format=".2f"), alt.Tooltip("imr_rank:Q", title="Rank"),
               alt.Tooltip("rag:N", title="RAG")]
    base = alt.Chart(frame).encode(y=y, tooltip=tooltip)
    scale = alt.Scale(zero=False, reverse=higher_is_better is False)
    dots = base.mark_point(filled=True, stroke=NHS_BLACK, opacity=1).encode(
        x=alt.X(f"{x_field}:Q", title=x_title + (" (better to the right)" if higher_is_better is not None else ""),
                scale=scale),
        color=alt.Color("rag:N", scale=rag_colour, title="RAG"),
        shape=alt.Shape("rag:N", scale=rag_shape, title="RAG"),
        **_highlight_size(220, 70))
    layers = [dots]
    if median is not None and pd.notna(median):
        med = alt.Chart(pd.DataFrame({"median": [median]})).mark_rule(strokeDash=[5, 3], strokeWidth=1.5,
                                                                      color=NHS_DARK_GREY)
        layers.insert(0, med.encode(x="median:Q", tooltip=[alt.Tooltip("median:Q", title="Peer median")]))
    return alt.layer(*layers).properties(height=_height(len(frame)))


def spine(rows: pd.DataFrame) -> alt.Chart:
    """Spine chart: each metric's peer range (minimum to maximum, the middle half darker) scaled so better is to the
    right, with the trust's own value as a marker. ``rows`` comes from :func:`oversight.insights.metric_spread`.
    The whole range is outlined and the middle half mid grey, each at least 3:1 against what surrounds it."""
    y = alt.Y("metric_name:N", title=None, sort=list(rows["metric_name"]),
              axis=alt.Axis(labelLimit=420, labelOverlap=False, labelFontSize=LABEL_SIZE, labelColor=TEXT))
    base = alt.Chart(rows).encode(y=y)
    x = alt.X("pos_min:Q", title="Position among peers (worst on the left, best on the right)",
              scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(labels=False, ticks=False))
    whole = base.mark_bar(height=14, color=NHS_PALE_GREY, stroke=NHS_MID_GREY, strokeWidth=1).encode(
        x=x, x2="pos_max:Q")
    middle = base.mark_bar(height=14, color=NHS_MID_GREY).encode(x="pos_lq:Q", x2="pos_uq:Q")
    median = base.mark_tick(color=NHS_BLACK, thickness=3, size=20).encode(x="pos_median:Q")
    tooltip = [alt.Tooltip("metric_name:N", title="Metric"), alt.Tooltip("value:Q", title="Trust's value"),
               alt.Tooltip("units:N", title="Units"), alt.Tooltip("peer_min:Q", title="Peer minimum"),
               alt.Tooltip("peer_lq:Q", title="Lower quartile"), alt.Tooltip("peer_median:Q", title="Median"),
               alt.Tooltip("peer_uq:Q", title="Upper quartile"), alt.Tooltip("peer_max:Q", title="Peer maximum"),
               alt.Tooltip("score:Q", title="Score", format=".2f"), alt.Tooltip("rag:N", title="RAG")]
    dot = base.mark_point(filled=True, size=140, stroke=NHS_BLACK, strokeWidth=1.25, opacity=1).encode(
        x="pos_value:Q", color=alt.Color("rag:N", scale=rag_colour, title="RAG"),
        shape=alt.Shape("rag:N", scale=rag_shape, title="RAG"), tooltip=tooltip)
    return (whole + middle + median + dot).properties(height=30 * len(rows) + 50)


def history(rows: pd.DataFrame, field: str, title: str, reverse: bool = True) -> alt.Chart:
    """One trust's ``field`` across quarters, with its likely range where known, each point labelled by segment."""
    rows = rows.assign(segment_label="segment " + rows["final_segment"].astype(str))
    base = alt.Chart(rows).encode(x=alt.X("quarter:N", title=None, sort=list(rows["quarter"]),
                                          axis=alt.Axis(labelAngle=0)))
    lo, hi = ("rank_lo", "rank_hi") if field == "rank" else ("score_lo", "score_hi")
    band = base.mark_rule(strokeWidth=5, color=NHS_MID_GREY).encode(y=alt.Y(f"{lo}:Q"), y2=f"{hi}:Q")
    line = base.mark_line(point=alt.OverlayMarkDef(filled=True, size=90), color=NHS_BLUE, strokeWidth=2.5).encode(
        y=alt.Y(f"{field}:Q", title=title, scale=alt.Scale(reverse=reverse, zero=False, domainMin=1, nice=False)),
        tooltip=["quarter:N", alt.Tooltip(f"{field}:Q", title=title), alt.Tooltip(f"{lo}:Q", title="Likely from"),
                 alt.Tooltip(f"{hi}:Q", title="to"), alt.Tooltip("final_segment:O", title="Segment")])
    labels = base.mark_text(dy=-14, dx=8, align="left", color=TEXT).encode(y=f"{field}:Q", text="segment_label:N")
    return (band + line + labels).properties(height=280)


def domain_bars(rows: pd.DataFrame) -> alt.Chart:
    """A trust's domain scores, coloured and labelled by domain segment."""
    base = alt.Chart(rows).encode(y=alt.Y("domain:N", title=None, axis=alt.Axis(labelLimit=420, labelOverlap=False)))
    bars = base.mark_bar().encode(
        x=alt.X("domain_score_2dp:Q", title="Domain score (1 = best)", scale=alt.Scale(domain=[1, 4])),
        x2=alt.datum(1),
        color=alt.Color("domain_segment:O", scale=segment_scale, legend=None),
        tooltip=[alt.Tooltip("domain:N"), alt.Tooltip("domain_score_2dp:Q", title="Score"),
                 alt.Tooltip("n_metrics:Q", title="Metrics"), alt.Tooltip("domain_segment:O", title="Segment")])
    text = base.mark_text(align="left", dx=5, color=TEXT).encode(
        x="domain_score_2dp:Q", text=alt.Text("domain_segment_label:N"))
    return (bars + text).properties(height=44 * len(rows) + 40)


def segment_grid(rows: pd.DataFrame, highlight: str | None) -> alt.Chart:
    """Trusts by quarter, each cell its final segment (colour and number) and rank; the highlighted trust's cells
    outlined in black."""
    frame = _highlight_flags(rows, highlight)
    order = frame.drop_duplicates("trust_code").sort_values(["sort_rank", "trust_name"])["trust_name"]
    base = alt.Chart(frame).encode(
        x=alt.X("quarter:N", title=None, axis=alt.Axis(orient="top", labelAngle=0)),
        y=_trust_axis(order, _name_of(rows, highlight)))
    tooltip = [alt.Tooltip("trust_name:N", title="Trust"), "quarter:N", alt.Tooltip("final_segment:O", title="Segment"),
               alt.Tooltip("rank:Q", title="Rank"), alt.Tooltip("average_score_2dp:Q", title="Average score"),
               alt.Tooltip("change:N", title="Change")]
    cells = base.mark_rect().encode(
        color=alt.Color("final_segment:O", scale=segment_scale, title="Segment"), tooltip=tooltip,
        stroke=alt.condition("datum.highlighted", alt.value(NHS_BLACK), alt.value(WHITE)),
        strokeWidth=alt.condition("datum.highlighted", alt.value(3), alt.value(1)))
    dark_text = [s for s, c in SEGMENT_TEXT.items() if c == BLACK]
    text = base.mark_text(fontSize=12).encode(
        text="cell_label:N",
        color=alt.condition(alt.FieldOneOfPredicate(field="final_segment", oneOf=dark_text), alt.value(BLACK),
                            alt.value(WHITE)))
    return (cells + text).properties(height=_height(frame["trust_code"].nunique()))
