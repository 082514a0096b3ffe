"""How long the app's script takes, per screen: the first load, and a rerun after a parameter edit.

    python benchmarks/app_rerun.py [--n 9] [screen ...]

Python's imports happen once per server process, so one warm-up session runs first; then each
screen is opened in a new AppTest session on us-2023-11 and its first run is timed as the first
load a new visitor waits for (the session's state empty; the server's caches as other sessions
left them), then 3A090.a.1.tpp is set to a new value N times (no
cache hit on the verdicts) and the median rerun is reported. AppTest runs the script without a
browser, so the times are the server's share of what a user waits for. No assertion: a
measurement, not a test.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
APP = str(ROOT / "app.py")


def measure(screen: str, n: int) -> tuple[float, float]:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["scenario"] = "us-2023-11"
    at.query_params["screen"] = screen
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


if __name__ == "__main__":
    from ui.state import SCREENS

    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=9)
    parser.add_argument("screens", nargs="*", default=SCREENS)
    args = parser.parse_args()
    AppTest.from_file(APP, default_timeout=180).run()  # warm-up: the server process imports its modules once
    print(f"| screen | first load (s) | rerun after an edit, median of {args.n} (s) |")
    print("| --- | ---: | ---: |")
    for screen in args.screens:
        first, rerun = measure(screen, args.n)
        print(f"| {screen} | {first:.2f} | {rerun:.2f} |", flush=True)
