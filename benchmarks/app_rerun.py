"""How long the app's script takes after a parameter edit, against a baseline rerun in the same process.

    python benchmarks/app_rerun.py

Baseline: the same app on its lightest screen (Method), so the ratio shows what the matrix costs on
top of Streamlit's own overhead. Median of N reruns each; no assertion — a measurement, not a test.
"""

import statistics
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")
N = 15


def median_rerun(screen: str) -> float:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["scenario"] = "us-2023-11"
    at.query_params["screen"] = screen
    at.run()
    box = at.sidebar.number_input(key="param:3A090.a.1.tpp")
    times = []
    for i in range(N):
        t = time.perf_counter()
        box.set_value(4000 - i).run()  # a new value each time: no cache hit on the verdicts
        times.append(time.perf_counter() - t)
        assert not at.exception
    return statistics.median(times)


if __name__ == "__main__":
    from sim import load_chips
    from sim.destinations import countries

    base = median_rerun("Method")
    matrix = median_rerun("Matrix")
    print(f"baseline rerun (Method screen): {base * 1000:.0f} ms")
    print(f"matrix rerun after a parameter edit, {len(load_chips())} chips x {len(countries())} destinations: "
          f"{matrix * 1000:.0f} ms "
          f"({matrix / base:.2f}x baseline)")
