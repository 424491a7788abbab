"""The app in a real browser: `streamlit run` driven by Debian's Chromium through Playwright.

Every page opens without an exception and shows what it should (a full screenshot of each is saved to
$SCREENSHOT_DIR, or screenshots/ in the repository); a shared link reopens the same view and navigation keeps it; an
upload ranks at once and a bad file leaves it in place; the charts draw; a page load asks no host but the app's own
(icons included); and text from a file never becomes a link, an image, an icon or emphasis.

Run: python -m pytest tests/test_browser.py -q -m browser
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser_helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORT,
    full_screenshot,
    open_page,
    screenshot_dir,
    settle,
    streamlit_server,
)
from tests.hostile_inputs import PAYLOADS, hostile_template
from ui.sidebar import PAGES as SIDEBAR_PAGES

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason=f"Chromium is not installed at {CHROMIUM} (Debian package 'chromium'); the browser "
                              "test never downloads a browser"),
]
playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

EXCEPTION = '[data-testid="stException"]'
SIDEBAR = '[data-testid="stSidebar"]'
MAIN = '[data-testid="stMain"]'
CHART = '[data-testid="stVegaLiteChart"]'

# (URL path, texts a user must see, whether the page draws a Vega-Lite chart: it must render as svg/canvas)
PAGES = [
    ("/", ["NHS Oversight Framework: overview", "Trusts per segment", "Top ten"], True),
    ("/AMR_league_table?type=mhc", ["Aggregated metric ranking", "Kent Community Health NHS Foundation Trust"], True),
    ("/Individual_metrics", ["Individual metric ranking (IMR)", "Every trust"], True),
    ("/Confidence_and_volatility", ["Confidence intervals and volatility", "Hidden problems"], True),
    ("/Trust_profile?trust=RWX&type=mhc",
     ["Trust profile", "Berkshire Healthcare NHS Foundation Trust", "Domain scores"], True),
    ("/Upload", ["Upload a CSV and see its ranking", "CSV files"], False),
    ("/What_if", ["What-if: change the method, see who moves", "Who moves"], False),
]


@pytest.fixture(scope="module")
def base_url():
    with streamlit_server() as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser context per test: a new Streamlit session, nothing carried over."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    pg = context.new_page()
    yield pg
    context.close()


def shot_name(path: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", path.strip("/")).strip("_") or "Overview"


def assert_no_exception(page, where: str) -> None:
    errors = page.locator(EXCEPTION)
    if errors.count():
        raise AssertionError(f"{where}: Streamlit exception shown:\n" + "\n---\n".join(errors.all_inner_texts()))


def assert_visible_text(page, text: str, where: str, within: str = "body") -> None:
    """``text`` is on screen (a visible element; the hidden accessibility copy of a data grid does not count)."""
    found = page.locator(within).get_by_text(text, exact=False).filter(visible=True)
    assert found.count() > 0, f"{where}: no visible text {text!r}"


def table_after_heading(page, heading: str):
    """The first data frame after the heading that contains ``heading``."""
    return page.locator(MAIN).locator('[data-testid="stHeading"]').filter(has_text=heading).locator(
        'xpath=following::div[@data-testid="stDataFrame"][1]')


def assert_chart_drawn(page, where: str) -> None:
    charts = page.locator(CHART)
    assert charts.count() > 0, f"{where}: no Vega-Lite chart"
    drawn = charts.first.locator("svg, canvas")
    drawn.first.wait_for(state="visible", timeout=15_000)
    box = drawn.first.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100, f"{where}: chart drawn too small: {box}"


@pytest.mark.parametrize(("path", "texts", "has_chart"), PAGES, ids=[shot_name(p) for p, _, _ in PAGES])
def test_page_opens(page, base_url, path, texts, has_chart):
    started = time.monotonic()
    open_page(page, base_url + path)
    assert_no_exception(page, path)
    for text in texts:
        assert_visible_text(page, text, path)
    if has_chart:  # the brief asks for AMR and Confidence; every page with a chart is checked
        assert_chart_drawn(page, path)
    full_screenshot(page, screenshot_dir() / f"{shot_name(path)}.png")
    assert_no_exception(page, path)
    print(f"{path}: {time.monotonic() - started:.1f} s")


def test_shared_link_reopens_the_view(page, base_url):
    open_page(page, base_url + "/AMR_league_table?type=mhc&quarter=Q2+2025%2F26&trust=RNK")
    assert_no_exception(page, "shared link")
    sidebar = page.locator(SIDEBAR)
    assert sidebar.get_by_role("combobox", name="Quarter").input_value() == "Q2 2025/26"
    assert "Tavistock and Portman" in sidebar.get_by_role("combobox", name="Trust to highlight").input_value()
    info = page.locator(MAIN).locator('[data-testid="stAlert"]').filter(has_text="Tavistock and Portman")
    assert info.count() == 1, "the info box above the rank chart does not name the highlighted trust"
    assert "Q2 2025/26" in page.locator(MAIN).locator('[data-testid="stCaptionContainer"]').first.inner_text()
    full_screenshot(page, screenshot_dir() / "shared_link_AMR_Q2_RNK.png")

    sidebar.locator('[data-testid="stPageLink"]').filter(has_text="Trust profile").locator("a").click()
    page.wait_for_url(re.compile(r"/Trust_profile"))
    settle(page)
    assert_no_exception(page, "trust profile from the shared link")
    query = parse_qs(urlparse(page.url).query)
    assert query.get("quarter") == ["Q2 2025/26"] and query.get("trust") == ["RNK"], page.url
    header = page.locator(MAIN).locator('[data-testid="stHeading"]').filter(has_text="Tavistock and Portman")
    assert header.count() >= 1, "the trust profile does not show Tavistock and Portman"
    assert_visible_text(page, "Q2 2025/26", "trust profile caption", within=MAIN)
    full_screenshot(page, screenshot_dir() / "shared_link_Trust_profile_RNK.png")


def test_upload_ranks_and_a_bad_file_keeps_it(page, base_url, tmp_path):
    import oversight

    good = tmp_path / "nof-template-example.csv"
    good.write_text(oversight.to_csv(oversight.io.template_example(oversight.default_dataset())), encoding="utf-8")
    bad = tmp_path / "league-table.xlsx"
    bad.write_bytes(b"PK\x03\x04" + b"\x00" * 200)

    open_page(page, base_url + "/Upload")
    uploader = page.locator('[data-testid="stFileUploader"] input[type="file"]')
    uploader.set_input_files(str(good))
    page.get_by_text("Ranking of your upload").wait_for(timeout=30_000)
    settle(page)
    assert_no_exception(page, "good upload")
    main = page.locator(MAIN)
    assert_visible_text(page, "Ranking of your upload", "good upload", within=MAIN)
    assert_visible_text(page, "Your upload holds 6 trusts", "good upload", within=MAIN)
    ranking = table_after_heading(page, "Ranking of your upload")
    assert ranking.locator("table").get_attribute("aria-rowcount") == "7", "the ranking should show 6 trusts"
    assert "Your upload" in page.locator(SIDEBAR).inner_text()
    full_screenshot(page, screenshot_dir() / "upload_good.png")

    uploader.set_input_files(str(bad))
    page.locator('[data-testid="stAlertContentError"]').wait_for(timeout=30_000)
    settle(page)
    assert_no_exception(page, "bad upload")
    error = main.locator('[data-testid="stAlertContentError"]').inner_text()
    assert bad.name in error, error
    assert "could not be used" in error and "previous upload" in error, error
    assert_visible_text(page, "Ranking of your upload", "after a bad upload", within=MAIN)
    assert_visible_text(page, "Your upload holds 6 trusts", "after a bad upload", within=MAIN)
    assert table_after_heading(page, "Ranking of your upload").locator("table").get_attribute("aria-rowcount") == "7"
    full_screenshot(page, screenshot_dir() / "upload_bad_file.png")


def test_a_download_is_made_on_click_and_its_formulas_are_neutralised(page, base_url, tmp_path):
    """Tables hand their download button a function, so the CSV is written when it is clicked: the file saved is
    the upload's ranking, with a spreadsheet formula in a trust name neutralised."""
    import oversight

    example = oversight.io.template_example(oversight.default_dataset())
    formula = '=HYPERLINK("http://example.com","click")'
    code = example["trust_code"].iloc[0]
    example.loc[example["trust_code"] == code, "trust_name"] = formula
    evil = tmp_path / "evil.csv"
    evil.write_text(example.to_csv(index=False), encoding="utf-8")  # not oversight.to_csv: that would neutralise it
    open_page(page, base_url + "/Upload")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(evil))
    page.get_by_text("Ranking of your upload").wait_for(timeout=30_000)
    settle(page)
    with page.expect_download(timeout=30_000) as saved:
        page.get_by_role("button", name="Download upload ranking Q4 2025/26 (CSV)").click()
    import pandas as pd

    served = pd.read_csv(saved.value.path(), dtype=str, keep_default_na=False)
    assert len(served) == 6
    assert served.loc[served["trust_code"] == code, "trust_name"].iloc[0] == "'" + formula


def outside_requests(page, base_url: str) -> list[str]:
    """Start recording every request ``page`` makes to a host other than the app's; returns the (growing) list."""
    outside = []
    page.on("request", lambda r: None if r.url.startswith((base_url, "data:", "blob:")) else outside.append(r.url))
    return outside


def test_pages_ask_no_other_host_and_their_icons_draw(page, base_url):
    """With no internet at all the app looks the same: the favicon is inline and the icons come from the font file
    Streamlit serves itself."""
    outside = outside_requests(page, base_url)
    for path, _, _ in PAGES:
        open_page(page, base_url + path)
        favicon = page.evaluate("() => document.querySelector('link[rel~=\"icon\"]').href")
        assert favicon.startswith("data:image/svg+xml"), (path, favicon[:80])
    assert not outside, outside
    assert page.evaluate("""() => document.fonts.check('24px "Material Symbols Rounded"')""")
    # A drawn icon is one glyph wide; without its font it would be the word ("format_list_numbered") in letters.
    widths = page.locator(SIDEBAR).locator('[data-testid="stIconMaterial"]').evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().width)")
    assert len(widths) >= 7 and min(widths) > 10 and max(widths) < 32, widths
    page.locator(SIDEBAR).screenshot(path=str(screenshot_dir() / "sidebar_icons.png"))


def live_markup(page) -> list[str]:
    """What on screen came from markdown that should have stayed text: outside links, images, maths, icons in
    text, emphasis of a payload."""
    return page.evaluate("""() => {
        const found = [];
        for (const a of document.querySelectorAll('a[href]')) {
            const href = a.getAttribute('href');
            if (/^[a-z][a-z0-9+.-]*:/i.test(href) && !href.startsWith(location.origin)) found.push('link ' + href);
        }
        for (const img of document.querySelectorAll('[data-testid="stMain"] img, [data-testid="stSidebar"] img'))
            found.push('image ' + img.getAttribute('src'));
        for (const k of document.querySelectorAll('.katex')) found.push('maths ' + k.textContent);
        for (const i of document.querySelectorAll('[data-testid="stMarkdownContainer"] [role="img"]'))
            found.push('icon ' + i.getAttribute('aria-label'));
        for (const b of document.querySelectorAll('strong, em'))
            if (['bold', 'red'].includes(b.textContent.trim())) found.push('emphasis ' + b.textContent);
        return found; }""")


def test_text_from_a_file_is_never_a_link_image_or_icon(page, base_url, tmp_path):
    import oversight

    example = oversight.io.template_example(oversight.default_dataset())
    hostile = tmp_path / "[f](javascript:alert(1)) **f** www.example.invalid.csv"
    hostile.write_text(oversight.to_csv(hostile_template(example)), encoding="utf-8")
    outside = outside_requests(page, base_url)
    open_page(page, base_url + "/Upload")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(hostile))
    page.get_by_text("Ranking of your upload").wait_for(timeout=30_000)
    settle(page)
    sidebar = page.locator(SIDEBAR)
    sidebar.get_by_role("combobox", name="Trust to highlight").click()
    page.get_by_role("option").filter(has_text=PAYLOADS[0]).first.click()
    settle(page)
    for _, title, _ in SIDEBAR_PAGES:
        sidebar.locator('[data-testid="stPageLink"]').filter(has_text=title).locator("a").click()
        settle(page)
        assert_no_exception(page, title)
        assert not live_markup(page), (title, live_markup(page))
        if title == "Trust profile":
            heading = page.locator(MAIN).locator("h2").first.inner_text()
            assert heading.replace("\u2060", "") == f"{PAYLOADS[0]} 0", heading
            full_screenshot(page, screenshot_dir() / "trust_profile_hostile_names.png")
    assert not outside, outside
