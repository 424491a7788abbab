"""Accessibility (WCAG 2.2 AA): axe-core on every page of the app in a real browser, and the palette's contrast.

The browser test serves the app with `streamlit run`, opens each page once in Debian's Chromium (one server, one
browser, one tab), injects axe-core from node_modules/axe-core (``npm ci`` installs it; see package.json) and runs
the WCAG 2.0-2.2 A and AA rules with axe's best practices, once as the page opens and once with every chart's
"Same data as a table" tab open. No page may have a serious or critical violation, apart
from :data:`STREAMLIT_OWN` (what Streamlit itself draws, which this project cannot change; docs/accessibility.md
says why for each). On every page the headings also go down one level at a time and no two buttons share a name.

The unit tests recompute the contrast ratios that ui/charts.py and ui/style.py state, with WCAG's formula.

Run: python -m pytest tests/test_accessibility.py -q
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.browser_helpers import CHROMIUM, CHROMIUM_ARGS, ROOT, VIEWPORT, settle, streamlit_server
from ui import charts, style
from ui.sidebar import PAGES as SIDEBAR_PAGES

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = {"serious", "critical"}

# axe rules whose serious or critical findings come from Streamlit's own markup, not this app's: rule id -> reason.
# With Streamlit 1.67 and this app none is needed (docs/accessibility.md lists what Streamlit still draws, all minor
# or moderate); a rule goes here only with the reason and the element axe names, and the same entry in that file.
STREAMLIT_OWN: dict[str, str] = {}


def page_path(script: str) -> str:
    """The URL path Streamlit gives a page script: "/" for the main script, "/AMR_league_table" for
    pages/1_AMR_league_table.py."""
    if "/" not in script:
        return "/"
    return "/" + re.sub(r"^\d+_", "", Path(script).stem)


# Every page in the sidebar, plus the league table with a trust highlighted by link (its chart draws a bold label).
PAGES = [page_path(script) for script, _, _ in SIDEBAR_PAGES] + [
    "/AMR_league_table?trust=RY7&type=mhc&quarter=Q4+2025%2F26"]

# Headings in Streamlit's main area and sidebar (st.title h1, st.header h2, st.subheader h3, markdown "###" h3).
HEADINGS_JS = """() => Array.from(document.querySelectorAll('h1, h2, h3, h4, h5, h6'))
    .filter(h => h.offsetParent !== null && h.textContent.trim())
    .map(h => [Number(h.tagName[1]), h.textContent.trim().slice(0, 80),
               !!h.closest('[data-testid="stSidebar"]')])"""
# The text of each download button the app draws (st.download_button), without its icon's ligature name.
DOWNLOAD_NAMES_JS = """() => Array.from(document.querySelectorAll('[data-testid="stDownloadButton"] button'))
    .filter(b => b.offsetParent !== null)
    .map(b => (b.querySelector('[data-testid="stMarkdownContainer"]') || b).textContent.replace(/\\s+/g, ' ').trim())"""


def run_axe(page) -> list[dict]:
    """axe-core's violations on ``page`` (axe must already be injected): id, impact, help and the first targets."""
    return page.evaluate("""async (tags) => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       targets: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
                                       detail: (v.nodes[0].failureSummary || '').slice(0, 300),
                                       count: v.nodes.length}));
    }""", TAGS)


def heading_jumps(headings: list) -> list[str]:
    """Where the main area's headings skip a level going down (h1 then h3), or do not start at h1."""
    main = [(level, text) for level, text, in_sidebar in headings if not in_sidebar]
    problems = [] if main and main[0][0] == 1 else [f"first heading is not h1: {main[:1]}"]
    for (before, _), (level, text) in zip(main, main[1:]):
        if level > before + 1:
            problems.append(f"h{before} then h{level} ({text!r})")
    return problems


# --- The palette and the stylesheet: the numbers their docstrings state, recomputed -------------------------------

def test_contrast_formula_matches_wcag_reference_values():
    """WCAG's own end points, symmetry, and #767676, the lightest grey that passes 4.5:1 on white (4.54:1)."""
    assert charts.contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert charts.contrast_ratio("#FFFFFF", "#FFFFFF") == pytest.approx(1.0)
    assert charts.contrast_ratio("#767676") == pytest.approx(4.54, abs=0.01)  # the lightest grey at 4.5:1
    assert charts.contrast_ratio("#FFFFFF", "#000000") == charts.contrast_ratio("#000000", "#FFFFFF")


STATED = {  # ui/charts.py's table: segment -> (against white, text colour, text on it)
    1: (11.85, charts.WHITE, 11.85), 2: (3.65, charts.BLACK, 5.75), 3: (4.81, charts.WHITE, 4.81),
    4: (3.86, charts.BLACK, 5.45), 5: (9.35, charts.WHITE, 9.35),
}


@pytest.mark.parametrize("segment", sorted(STATED))
def test_segment_colours_as_stated(segment):
    colour = charts.SEGMENT_COLOURS[segment]
    against_white, text, on_it = STATED[segment]
    assert colour.upper() in charts.__doc__.upper()
    assert round(charts.contrast_ratio(colour), 2) == against_white >= 3.0  # WCAG 1.4.11, graphics
    assert charts.SEGMENT_TEXT[segment] == text
    assert round(charts.contrast_ratio(colour, text), 2) == on_it >= 4.5  # WCAG 1.4.3, text in a grid cell
    assert f"{against_white:.2f}:1" in charts.__doc__ and f"{on_it:.2f}:1" in charts.__doc__


def test_segments_have_their_own_shapes_and_the_old_palette_failed():
    assert len(set(charts.SEGMENT_SHAPES.values())) == len(charts.SEGMENT_COLOURS)
    old = [charts.NHS_LIGHT_BLUE, charts.NHS_WARM_YELLOW, charts.NHS_ORANGE]
    assert [round(charts.contrast_ratio(c), 2) for c in old] == [2.32, 1.73, 2.53]
    assert all(f"{charts.contrast_ratio(c):.2f}" in charts.__doc__ for c in old)


def test_chart_and_caption_text_contrast():
    assert round(charts.contrast_ratio(charts.TEXT), 2) == 14.42
    assert round(charts.contrast_ratio(style.CAPTION), 2) == 7.75
    assert round(charts.contrast_ratio(style.CAPTION, "#F0F4F5"), 2) == 6.99  # on the sidebar's background
    assert round(charts.contrast_ratio(style.FOCUS), 2) == 11.85
    assert round(charts.contrast_ratio(style.FOCUS, "#F0F4F5"), 1) == 10.7
    for number in ("14.42:1", "7.75:1"):
        assert number in charts.__doc__
    for number in ("7.75:1", "6.99:1", "11.85:1", "10.7:1"):
        assert number in style.__doc__


def test_finish_sets_text_colour_on_axes_and_legends():
    import pandas as pd

    counts = pd.DataFrame({"segment": [1, 2, 3, 4, 5], "trusts": [3, 5, 8, 2, 1]})
    config = charts.finish(charts.segment_bars(counts)).to_dict()["config"]
    for part in ("axis", "legend"):
        assert config[part]["labelColor"] == config[part]["titleColor"] == charts.TEXT
        assert config[part]["labelFontSize"] >= 12
    assert charts.contrast_ratio(config["axis"]["labelColor"]) >= 4.5


# --- axe-core on every page -------------------------------------------------------------------------------------

browser_reasons = [
    (not Path(CHROMIUM).exists(), f"Chromium is not installed at {CHROMIUM} (Debian package 'chromium')"),
    (not AXE.exists(), f"axe-core is not installed at {AXE.relative_to(ROOT)} (run `npm ci`)"),
]


@pytest.fixture(scope="module")
def tab():
    """One server and one browser tab for every page (a page is visited once)."""
    for missing, reason in browser_reasons:
        if missing:
            pytest.skip(reason)
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with streamlit_server() as url, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(30_000)
        page = context.new_page()
        yield url, page
        browser.close()


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_serious_axe_violation(tab, path):
    url, page = tab
    started = time.monotonic()
    page.goto(url + path)
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=60_000)  # every page has a title
    settle(page, quiet=1.0)
    assert page.locator('[data-testid="stException"]').count() == 0, f"{path}: Streamlit shows an exception"
    page.add_script_tag(path=str(AXE))
    violations = run_axe(page)
    tabs = page.get_by_role("tab", name="Same data as a table")
    if tabs.count():  # each chart's table alternative, in its own tab: open them all and check again
        for i in range(tabs.count()):
            tabs.nth(i).click()
        page.wait_for_timeout(1000)
        seen = {v["id"] for v in violations}
        violations += [v for v in run_axe(page) if v["id"] not in seen]
    blocking = [v for v in violations if v["impact"] in BLOCKING and v["id"] not in STREAMLIT_OWN]
    others = [f"{v['id']} ({v['impact']}, {v['count']})" for v in violations if v not in blocking]
    print(f"{path}: {time.monotonic() - started:.1f} s; allowed or minor: {', '.join(others) or 'none'}")
    assert not blocking, f"{path}: " + "; ".join(
        f"{v['id']} ({v['impact']}, {v['count']} elements): {v['help']} at {v['targets']}" for v in blocking)

    assert not heading_jumps(page.evaluate(HEADINGS_JS)), f"{path}: {heading_jumps(page.evaluate(HEADINGS_JS))}"
    downloads = page.evaluate(DOWNLOAD_NAMES_JS)
    twice = sorted({n for n in downloads if downloads.count(n) > 1})
    assert not twice, f"{path}: download buttons share a name: {twice}"


# The caterpillar chart's range rules and trust labels, as Vega draws them (Streamlit renders Vega-Lite as SVG).
RANGES_JS = """() => {
    const chart = document.querySelector('[data-testid="stVegaLiteChart"]');
    const rules = Array.from(chart.querySelectorAll('g.mark-rule line, g.mark-rule path'))
        .map(l => l.getBoundingClientRect()).filter(r => r.width > 1);
    return {width: chart.getBoundingClientRect().width, rules: rules.length,
            span: rules.length ? Math.max(...rules.map(r => r.right)) - Math.min(...rules.map(r => r.left)) : 0,
            labels: Array.from(chart.querySelectorAll('g.role-axis-label text')).map(t => t.textContent)};
}"""


@pytest.mark.browser
def test_caterpillar_at_320_px_shows_the_ranges(tab):
    """WCAG 1.4.10 (reflow): on a 320 px wide screen the likely rank ranges are in view, not squeezed out by trust
    names: names are shortened, and the ranges span at least a third of the chart's width."""
    url, page = tab
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(url + "/AMR_league_table?type=mhc&trust=RY7")
    page.wait_for_selector('[data-testid="stVegaLiteChart"] svg g.mark-rule', timeout=60_000)
    page.wait_for_timeout(1000)
    drawn = page.evaluate(RANGES_JS)
    page.set_viewport_size(VIEWPORT)
    assert drawn["width"] <= 320 and drawn["rules"] >= 20, drawn
    assert drawn["span"] >= drawn["width"] / 3, f"ranges span {drawn['span']:.0f} of {drawn['width']:.0f} px"
    names = [n for n in drawn["labels"] if not n.replace(".", "").isdigit()]
    assert names and not any(n.endswith("Trust") for n in names), names[:5]
    assert any(n.startswith("▶ ") for n in names), "the highlighted trust's name is not marked"


@pytest.mark.browser
def test_keyboard_focus_on_a_sidebar_page_link_is_visible(tab):
    """WCAG 2.4.7 and 1.4.11: a sidebar page link reached by Tab has the 3 px NHS Dark Blue outline (Streamlit's own
    mark, a faint background, is 1.09:1 from the sidebar's)."""
    url, page = tab
    page.goto(url + "/What_if")
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=60_000)
    settle(page, quiet=1.0)
    link = page.locator('[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"]').nth(2)
    link.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # focus by keyboard, so :focus-visible applies
    focused = link.evaluate("e => [document.activeElement === e, getComputedStyle(e).outlineStyle, "
                            "getComputedStyle(e).outlineWidth, getComputedStyle(e).outlineColor]")
    assert focused == [True, "solid", "3px", "rgb(0, 48, 135)"], focused
    assert charts.contrast_ratio(style.FOCUS, "#F0F4F5") >= 3
