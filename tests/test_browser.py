"""The app in a real headless browser: Debian's Chromium driven by Playwright against `streamlit run app.py`."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from sim.rules.scenario import load_scenario

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
A1_LABEL = load_scenario("us-2023-11").parameters["3A090.a.1.tpp"].plain_label  # the sidebar's label of that field

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CHIPSIM_REQUIRE_BROWSER"),
                                reason="Debian chromium not installed (.ci/run installs it)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = free_port()
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true",
                             "--browser.gatherUsageStats", "false"], cwd=root,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=2)
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("streamlit did not start: " + proc.stdout.read().decode(errors="replace")[-2000:])
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        pg = browser.new_page(viewport={"width": 1500, "height": 1100})
        yield pg
        browser.close()


def test_matrix_renders_and_a_parameter_edit_changes_a_cell(server, page):
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(server + "/?scenario=us-2023-11&chip=nvidia-h20&dest=CN", wait_until="domcontentloaded")
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=60_000)
    verdict = page.get_by_text("(nvidia-h20) → China (CN)")
    verdict.wait_for(timeout=30_000)
    assert "ALLOWED" in verdict.inner_text()
    page.screenshot(path=str(ARTIFACTS / "app-matrix.png"), full_page=True)

    page.get_by_text(re.compile(r"^Parameters \(\d+\)$")).click()
    box = page.get_by_role("spinbutton", name=A1_LABEL)
    box.fill("2000")
    box.press("Enter")
    page.get_by_text("(nvidia-h20) → China (CN): DENIED").wait_for(timeout=30_000)
    page.wait_for_function("() => location.search.includes('set=3A090.a.1.tpp')", timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "app-matrix-edited.png"), full_page=True)


def test_map_screen_draws_the_world(server, page):
    page.goto(server + "/?screen=Where+can+this+chip+go%3F&scenario=us-2026-01&chip=nvidia-h20", wait_until="domcontentloaded")
    page.get_by_text("destinations:").first.wait_for(timeout=60_000)
    page.locator("[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg").first.wait_for(timeout=60_000)
    page.wait_for_timeout(1500)  # let vega paint the shapes before the screenshot
    page.screenshot(path=str(ARTIFACTS / "app-map.png"), full_page=True)


def test_real_upload_of_a_bad_file_shows_problems_and_the_app_lives_on(server, page, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("chip_id,vendor,name\n=HYPERLINK(\"http://x\"),x,y\n")
    page.goto(server + "/?screen=Data", wait_until="domcontentloaded")
    page.locator("input[type=file]").first.set_input_files(str(bad))
    page.get_by_text("problem(s) in the upload; nothing was added").wait_for(timeout=60_000)
    page.get_by_text("Matrix", exact=True).click()
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=60_000)


def chip_mark(page, chart_index: int, chip_id: str):
    """The drawn point of one chip (Vega's SVG marks carry their datum in aria-label)."""
    chart = page.get_by_test_id("stVegaLiteChart").nth(chart_index)
    return chart.locator(f"path[aria-roledescription='point'][aria-label*='chip_id: {chip_id};']").first


def test_hover_a_chip_on_the_plane_reads_its_tooltip_and_a_click_chooses_it(server, page):
    page.goto(server + "/?screen=Threshold+planes&scenario=us-2023-11&chip=nvidia-h20&dest=CN", wait_until="domcontentloaded")
    page.get_by_text("TPP × performance density").wait_for(timeout=60_000)
    mark = chip_mark(page, 0, "amd-mi250x")  # a chip no other chip hides (MI300X and MI325X share their figures)
    mark.wait_for(timeout=60_000)
    box = mark.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tooltip = page.locator("#vg-tooltip-element")
    tooltip.wait_for(state="visible", timeout=15_000)
    text = tooltip.inner_text()
    assert "Instinct MI250X" in text and "6,128" in text and "Outcome" in text and "Why" in text
    page.screenshot(path=str(ARTIFACTS / "app-planes-tooltip.png"))
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("() => location.search.includes('chip=amd-mi250x')", timeout=30_000)
    page.get_by_text("(amd-mi250x) → China (CN)").wait_for(timeout=30_000)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / "app-planes-clicked.png"))
    page.get_by_text("Timeline", exact=True).click()  # the chosen chip follows to another screen
    page.get_by_text(re.compile(r"Instinct MI250X.*→ CN — China")).first.wait_for(timeout=60_000)


def test_a_shared_link_opens_the_same_view_in_a_fresh_browser(server, page):
    from playwright.sync_api import expect

    page.goto(server + "/?screen=Compare&scenario=us-2023-11&to=current&dests=Country+group+D%3A5", wait_until="domcontentloaded")
    page.get_by_text("Every changed pair").wait_for(timeout=60_000)
    page.get_by_text(re.compile(r"^Parameters \(\d+\)$")).click()
    box = page.get_by_role("spinbutton", name=A1_LABEL)
    box.fill("2300")
    box.press("Enter")
    page.wait_for_function("() => location.search.includes('set=3A090.a.1.tpp')", timeout=30_000)
    edited = re.compile(r"chip–destination pairs change outcome.*\(edited\)")
    page.get_by_text(edited).wait_for(timeout=30_000)
    page.wait_for_timeout(500)
    link = page.url
    summary = page.get_by_text(edited).inner_text()
    fresh = page.context.browser.new_context(viewport={"width": 1500, "height": 1100})
    try:
        other = fresh.new_page()
        other.goto(link, wait_until="domcontentloaded")
        other.get_by_text(edited).wait_for(timeout=60_000)
        assert other.get_by_text(edited).inner_text() == summary
        expect(other.get_by_text("Country group D:5").first).to_be_visible(timeout=30_000)  # the picker's choice
        other.get_by_text(re.compile(r"^Parameters \(\d+\)$")).click()
        expect(other.get_by_role("spinbutton", name=A1_LABEL)).to_have_value("2300", timeout=30_000)
        other.wait_for_timeout(1500)  # let the tables paint before the screenshot
        other.screenshot(path=str(ARTIFACTS / "app-shared-link.png"))
    finally:
        fresh.close()


def test_a_click_on_the_map_chooses_the_country(server, page):
    page.goto(server + "/?screen=Where+can+this+chip+go%3F&scenario=us-2026-01&chip=nvidia-h20&dest=CN",
              wait_until="domcontentloaded")
    page.get_by_text("Click a country").first.wait_for(timeout=60_000)
    india = page.get_by_test_id("stVegaLiteChart").first.locator("path[aria-label*='Code: IN;']").first
    india.wait_for(timeout=60_000)
    box = india.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.4)  # inside the subcontinent
    page.wait_for_function("() => location.search.includes('dest=IN')", timeout=30_000)
    page.get_by_text("(nvidia-h20) → India (IN)").first.wait_for(timeout=30_000)
    singapore = page.get_by_test_id("stVegaLiteChart").first.locator("path[aria-label*='Code: SG;']").first
    singapore.wait_for(timeout=30_000)  # too small for the 1:110m map: a dot
    box = singapore.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("() => location.search.includes('dest=SG')", timeout=30_000)
    page.get_by_text("(nvidia-h20) → Singapore (SG)").first.wait_for(timeout=30_000)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / "app-map-clicked.png"))


def verdict_in_browser(page, url: str, heading: str, citation: str, shot: str) -> str:
    """Open a link, wait for the verdict box and its citation, screenshot it; returns the verdict's heading text."""
    page.goto(url, wait_until="domcontentloaded")
    verdict = page.get_by_text(heading)
    verdict.wait_for(timeout=60_000)
    page.get_by_text(citation).first.wait_for(timeout=30_000)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / shot))
    return verdict.inner_text()


def test_embargoed_destinations_and_screening_in_the_real_browser(server, page):
    # an L20 (below 3A090) to Iran: the Part 746 embargo, named with its citation, never green
    assert "DENIED" in verdict_in_browser(page, server + "/?scenario=us-2026-01&chip=nvidia-l20&dest=IR",
                                          "(nvidia-l20) → Iran (IR)", "746.7", "app-matrix-embargo.png")
    # the same chip to France with a party on the Entity List: denied; the link carries the screening
    assert "DENIED" in verdict_in_browser(page, server + "/?scenario=us-2026-01&chip=nvidia-l20&dest=FR&el=listed",
                                          "(nvidia-l20) → France (FR)", "744.11", "app-matrix-entity-list.png")
    # the map paints the embargoed destinations (Cuba, Iran, North Korea, Russia, Belarus, Crimea, DNR, LNR) denied
    page.goto(server + "/?screen=Where+can+this+chip+go%3F&scenario=us-2026-01&chip=nvidia-l20&dest=IR",
              wait_until="domcontentloaded")
    summary = page.get_by_text("destinations:").first
    summary.wait_for(timeout=60_000)
    assert int(re.search(r"(\d+) denied", summary.inner_text()).group(1)) >= 8
    page.locator("[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg").first.wait_for(timeout=60_000)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "app-map-l20-embargo.png"))


def test_compute_flows_answers_without_scrolling_and_the_forward_view_is_one_click_away(server, page):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(server + "/?screen=Compute+flows&scenario=us-2023-11", wait_until="domcontentloaded")
    head = page.get_by_text(re.compile(r"^Under us-2023-11, [\d,]+ H100e \(5th-95th percentile"))
    head.wait_for(timeout=90_000)
    box = head.bounding_box()
    assert box["y"] + box["height"] < 900  # the answer is on the first screen
    page.locator("[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg").first.wait_for(timeout=60_000)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "app-flows-history.png"))
    page.get_by_text("Forward", exact=True).click()
    page.get_by_text(re.compile(r"Under us-2023-11, nvidia-h200-sxm to China, median units by outcome: denied")).wait_for(
        timeout=60_000)
    page.goto(server + "/?screen=Compute+flows&flows=Forward&scenario=us-2026-01", wait_until="domcontentloaded")
    page.get_by_text(re.compile(r"license: [\d,]+; the volume cap binds in \d+% of draws")).wait_for(timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "app-flows-forward.png"))
    page.set_viewport_size({"width": 1500, "height": 1100})


def test_a_determination_record_opens_in_a_real_browser_and_prints(page, tmp_path):
    from sim.engine.vectorised import Context
    from sim.report.memo import determination, render

    path = tmp_path / "record.html"
    path.write_text(render(determination("nvidia-l40s", "MY", "us-2026-01", ctx=Context(hq="CN")), "html"), encoding="utf-8")
    page.goto(path.as_uri())
    page.get_by_text("Outcome: DENIED — presumption of denial").wait_for(timeout=30_000)
    assert page.locator("table").count() >= 5
    page.screenshot(path=str(ARTIFACTS / "determination-record.png"), full_page=True)
    page.emulate_media(media="print")
    assert page.evaluate("() => getComputedStyle(document.body).maxWidth") == "none"  # the print stylesheet applies
    page.emulate_media(media="screen")


def test_a_link_with_an_unreadable_screening_answer_says_so_in_the_verdict(server, page):
    page.goto(server + "/?scenario=us-2026-01&chip=nvidia-l40s&dest=AE&el=maybe", wait_until="domcontentloaded")
    page.get_by_text("Ignored el='maybe' in the link").wait_for(timeout=60_000)
    card = page.get_by_text(re.compile(r"Assumed, not read from the link: the link's el='maybe' could not be read"))
    card.wait_for(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "app-link-unreadable.png"))


def test_charts_offer_no_export_without_provenance(server, page):
    """The toolbar's own PNG/SVG export would carry no provenance: only the app's buttons export figures."""
    page.goto(server + "/?screen=Threshold+planes&scenario=us-2023-11&chip=nvidia-h20&dest=CN", wait_until="domcontentloaded")
    page.get_by_text("TPP × performance density").wait_for(timeout=60_000)
    page.locator("[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg").first.wait_for(timeout=60_000)
    chart = page.get_by_test_id("stVegaLiteChart").first
    box = chart.bounding_box()
    page.mouse.move(box["x"] + 100, box["y"] + 100)  # the element toolbar shows on hover
    page.get_by_role("button", name="Fullscreen").first.wait_for(state="attached", timeout=15_000)
    page.wait_for_timeout(500)
    toolbar_png = page.get_by_role("button", name="Download as PNG")
    assert all(not toolbar_png.nth(i).is_visible() for i in range(toolbar_png.count()))
    assert page.get_by_role("button", name="PNG", exact=True).count() >= 1  # the app's export, with provenance, stays


def test_a_bill_is_marked_not_law_and_one_click_compares_it_with_todays_rules(server, page):
    """SAFE Chips Act in a real browser: the verdict names the bill's prongs and says NOT LAW; the import side
    shows beside it; the sidebar button opens Compare with the rules the bill extends."""
    page.set_viewport_size({"width": 1440, "height": 900})
    text = verdict_in_browser(page, server + "/?scenario=safe-chips-s3374&chip=nvidia-h200-sxm&dest=CN",
                              "(nvidia-h200-sxm) → China (CN)", "S.3374", "app-bill-verdict.png")
    assert "DENIED" in text
    card = page.locator("div[style*='border-left']", has_text="NOT LAW").first
    assert "caught by" in card.inner_text() and "Import side" in card.inner_text()
    page.get_by_role("button", name="Compare with the rules it extends (us-2026-01)").click()
    page.get_by_text(re.compile(r"chip–destination pairs change outcome")).wait_for(timeout=60_000)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / "app-bill-compare.png"))


TEXT_CUT = r"""() => Array.from(document.querySelectorAll('[role=option]')).filter(o => {
  const r = document.createRange(); r.selectNodeContents(o);
  return r.getBoundingClientRect().width > o.getBoundingClientRect().width + 1;
}).map(o => o.innerText)"""


def test_the_rule_pickers_options_are_read_whole_from_the_sidebar_at_1440_px(server, page):
    """Item 8: a rule's title and status are never cut in the sidebar's narrow picker."""
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(server + "/?scenario=us-2023-11", wait_until="domcontentloaded")
    picker = page.get_by_test_id("stSelectbox").filter(has_text="Rules").first
    picker.wait_for(timeout=60_000)
    picker.locator("input").click()
    page.get_by_role("option").first.wait_for(timeout=30_000)
    assert page.get_by_role("option").count() >= 8
    assert page.evaluate(TEXT_CUT) == []
    page.screenshot(path=str(ARTIFACTS / "app-rule-picker.png"))
    page.keyboard.press("Escape")
