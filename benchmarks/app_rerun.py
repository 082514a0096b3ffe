"""How long the app takes: per screen on the server, per interaction in a real browser, and under load.

    python benchmarks/app_rerun.py [--n 9] [screen ...]      # the server's share (AppTest)
    python benchmarks/app_rerun.py --browser [--n 5]          # what a user waits for, in headless Chromium
    python benchmarks/app_rerun.py --concurrency 8            # 8 people opening the app at once

Python's imports happen once per server process, so one warm-up session runs first; then each
screen is opened in a new AppTest session on us-2023-11 and its first run is timed as the first
load a new visitor waits for (the session's state empty; the server's caches as other sessions
left them), then 3A090.a.1.tpp is set to a new value N times (no
cache hit on the verdicts) and the median rerun is reported. AppTest runs the script without a
browser, so the times are the server's share of what a user waits for. No assertion: a
measurement, not a test.
"""

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
APP = str(ROOT / "app.py")
from sim.rules.scenario import load_scenario  # noqa: E402 - after the checkout is on the path

# the edited field, as the sidebar labels it
A1_LABEL = load_scenario("us-2023-11").parameters["3A090.a.1.tpp"].plain_label


def measure(screen: str, n: int) -> tuple[float, float]:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["scenario"] = "us-2023-11"
    at.query_params["screen"] = screen
    at.session_state["params_open"] = True  # the sidebar builds the parameter fields only when their box is open
    t = time.perf_counter()
    at.run()
    first = time.perf_counter() - t
    assert not at.exception, [e.value for e in at.exception]
    box = at.sidebar.number_input(key="param:3A090.a.1.tpp")
    times = []
    for i in range(n):
        t = time.perf_counter()
        box.set_value(4000 - i).run()  # a new value each time: no cache hit on the verdicts
        times.append(time.perf_counter() - t)
        assert not at.exception, [e.value for e in at.exception]
    return first, statistics.median(times)


def main() -> None:
    from ui.state import SCREENS

    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=9)
    parser.add_argument("--browser", action="store_true", help="time each interaction in a real headless Chromium")
    parser.add_argument("--concurrency", type=int, metavar="N", help="N browser sessions open the app at once")
    parser.add_argument("--port", type=int, default=8611)
    parser.add_argument("screens", nargs="*", default=SCREENS)
    args = parser.parse_args()
    if args.browser:
        return browser_mode(args.n, args.port)
    if args.concurrency:
        return concurrency_mode(args.concurrency, args.port)
    AppTest.from_file(APP, default_timeout=180).run()  # warm-up: the server process imports its modules once
    print(f"| screen | first load (s) | rerun after an edit, median of {args.n} (s) |")
    print("| --- | ---: | ---: |")
    for screen in args.screens:
        first, rerun = measure(screen, args.n)
        print(f"| {screen} | {first:.2f} | {rerun:.2f} |", flush=True)


# ---------------------------------------------------------------------------------------------
# in a real browser: what a user waits for, per interaction, and what N people at once cost the server

TARGET_S = 0.5  # every interaction visible within half a second (issue: "at the speed of thought")
FIRST_LOAD_TARGET_S = 2.0  # a new visitor sees the verdict within two seconds


def start_server(port: int):
    """`streamlit run app.py` on a free port, headless; returns (process, url) once it answers."""
    import subprocess
    import urllib.request

    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", APP, "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true",
                             "--browser.gatherUsageStats", "false"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=2)
            return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("streamlit did not start")


def server_usage(pid: int) -> tuple[float, float]:
    """(CPU seconds used so far, resident memory in MB) of a process, from /proc (Linux)."""
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    rss = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
               if line.startswith("VmRSS")) / 1024
    return cpu, rss


def settled(page, text: str, timeout_ms: int = 60_000) -> None:
    """Wait until `text` is on the page and Streamlit's running indicator is gone."""
    page.get_by_text(text).first.wait_for(timeout=timeout_ms)
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')", timeout=timeout_ms)


def pick(page, label: str, text: str) -> None:
    """Open a selectbox by its label and type to filter it; the caller's Enter is the timed choice."""
    page.get_by_test_id("stSelectbox").filter(has_text=label).first.locator("input").click()
    page.keyboard.type(text)
    page.get_by_role("option").first.wait_for(timeout=30_000)


def launch(pw):
    import shutil

    return pw.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"])


def browser_mode(n: int, port: int) -> None:
    """Median time, over n tries, from a user's action to its answer on screen, per interaction.

    The clock starts at the raw input event (a key press, a mouse click at a place found beforehand), so
    Playwright's own waiting for an element to be ready is not counted as the app's time."""
    from playwright.sync_api import sync_playwright

    proc, url = start_server(port)
    link = url + "/?scenario=us-2023-11&chip=nvidia-h20&dest=CN"
    rows = {}
    try:
        with sync_playwright() as pw:
            browser = launch(pw)
            warm = browser.new_page()
            warm.goto(link)
            settled(warm, "(nvidia-h20) → China (CN)")  # the server's imports and shared caches, once
            warm.close()
            firsts, chips, opens, presets, edits, screens = [], [], [], [], [], []
            for i in range(n):
                page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
                t = time.perf_counter()
                page.goto(link)
                settled(page, "(nvidia-h20) → China (CN)")
                firsts.append(time.perf_counter() - t)
                chip = ("nvidia-h100-sxm", "H100 SXM5 80GB") if i % 2 == 0 else ("nvidia-a100-sxm", "A100 SXM4 80GB")
                pick(page, "Chip", chip[1])
                t = time.perf_counter()
                page.keyboard.press("Enter")
                settled(page, f"({chip[0]}) → China (CN)")
                chips.append(time.perf_counter() - t)
                box = page.get_by_role("spinbutton", name=A1_LABEL)
                where = page.get_by_text(re.compile(r"^Parameters \(\d+\)$")).bounding_box()
                t = time.perf_counter()  # the box builds its fields when opened: a rerun, timed like the others
                page.mouse.click(where["x"] + where["width"] / 2, where["y"] + where["height"] / 2)
                box.wait_for(timeout=60_000)
                settled(page, f"({chip[0]}) → China (CN)")
                opens.append(time.perf_counter() - t)
                box.fill(str(4000 - i))  # typed before the clock starts: the edit happens on Enter
                t = time.perf_counter()
                page.keyboard.press("Enter")
                page.wait_for_function(f"() => decodeURIComponent(location.search).includes('3A090.a.1.tpp:{4000 - i}')",
                                       timeout=60_000)
                settled(page, f"({chip[0]}) → China (CN)")
                edits.append(time.perf_counter() - t)
                pick(page, "Rules", "Jan 2026 license review")
                t = time.perf_counter()
                page.keyboard.press("Enter")
                settled(page, "under us-2026-01")  # the verdict card names the rules it was evaluated under
                presets.append(time.perf_counter() - t)
                where = page.get_by_text("Timeline", exact=True).first.bounding_box()
                t = time.perf_counter()
                page.mouse.click(where["x"] + where["width"] / 2, where["y"] + where["height"] / 2)
                settled(page, "Timeline of the rules in force")
                screens.append(time.perf_counter() - t)
                page.context.close()
            rows = {"first load (new visitor, warm server)": firsts, "chip change": chips,
                    "open the Parameters box": opens, "parameter edit": edits,
                    "preset change": presets, "screen switch (to Timeline)": screens}
            browser.close()
    finally:
        proc.terminate()
    print(f"| interaction (browser, 1440x900) | median of {n} (s) | worst (s) | target (s) | median within it |")
    print("| --- | ---: | ---: | ---: | :---: |")
    for name, times in rows.items():
        med, target = statistics.median(times), FIRST_LOAD_TARGET_S if name.startswith("first load") else TARGET_S
        print(f"| {name} | {med:.2f} | {max(times):.2f} | {target:g} | {'yes' if med < target else 'no'} |")


def concurrency_mode(sessions: int, port: int) -> None:
    """`sessions` people open the app at once: wall time until all see their verdict, server CPU and RSS, errors.

    Twice: as first-time visitors (each browser fetches Streamlit's ~130 JS/CSS files, which the framework
    serves and browsers then keep for a year), then as returning visitors (a new session in a browser that
    has them: a second tab, a reload), which is the app's own cost per session.
    One Chromium holds every session (a page each, its own context), so the browser's own cost stays small
    next to the server's on a two-core machine."""
    from playwright.sync_api import sync_playwright

    proc, url = start_server(port)
    link = url + "/?scenario=us-2026-01&chip=nvidia-h200-sxm&dest=CN"
    heading = "(nvidia-h200-sxm) → China (CN)"
    rows = []
    try:
        with sync_playwright() as pw:
            browser = launch(pw)
            warm = browser.new_page()
            warm.goto(link)
            settled(warm, heading)  # imports and shared caches, once
            warm.close()
            contexts = [browser.new_context(viewport={"width": 1440, "height": 900}) for _ in range(sessions)]
            for cache in ("empty (first visit)", "warm (returning visitor)"):
                pages = [c.new_page() for c in contexts]
                cpu0, _ = server_usage(proc.pid)
                t = time.perf_counter()
                for page in pages:
                    page.goto(link, wait_until="commit")
                waits, errors = [], []
                for page in pages:
                    try:
                        settled(page, heading, timeout_ms=180_000)
                        waits.append(time.perf_counter() - t)
                    except Exception as exc:  # a measurement: count failures, do not stop
                        errors.append(type(exc).__name__)
                wall = time.perf_counter() - t
                time.sleep(1.0)  # let the server finish the sessions' last messages before reading its CPU
                cpu1, rss = server_usage(proc.pid)
                rows.append((cache, wall, waits, (cpu1 - cpu0) / sessions, rss, len(errors)))
                for page in pages:
                    page.close()
            browser.close()
    finally:
        proc.terminate()
    print("| sessions at once | browser cache | wall time (s) | median wait (s) | worst wait (s) | "
          "server CPU per session (s) | server RSS (MB) | errors |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for cache, wall, waits, cpu, rss, errors in rows:
        nan = float("nan")
        print(f"| {sessions} | {cache} | {wall:.2f} | {statistics.median(waits) if waits else nan:.2f} | "
              f"{max(waits) if waits else nan:.2f} | {cpu:.2f} | {rss:.0f} | {errors} |")


if __name__ == "__main__":
    main()
