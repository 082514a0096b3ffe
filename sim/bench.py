"""`chipsim bench`: the sweep engine's speed as ratios against baselines timed in the same run.

- seconds: a grid sweep (counts) of >= 1,000,000 scenario points over the whole chip table;
- numpy_floor_seconds: one bare np.greater_equal broadcast over the same points x chips;
- scalar_speedup: the vectorised engine (every point evaluated, no grouping of equivalent
  thresholds) against the plain scalar reference evaluator, on the same sample of points;
- peak_rss_mb: peak memory of a child process running a 10,000,000-point counts sweep.
Times are the best of several repeats, so a busy machine inflates them least.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

import numpy as np

A1, A2PD = "3A090.a.1.tpp", "3A090.a.2.pd"


def _best_of(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _grid(n_a: int, n_b: int) -> dict:
    return {A1: np.linspace(1000, 20000, n_a), A2PD: np.linspace(1.0, 10.0, n_b)}


def memory_child(points_b: int) -> None:
    """Run in a child process: one 1,000 x points_b counts sweep, then print peak RSS in MB."""
    from .sweep import prepare, sweep

    prep = prepare("us-2023-11", destinations=["CN"])
    result = sweep(None, _grid(1000, points_b), prepared=prep)
    assert len(result) == 1000 * points_b
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def run(repeats: int = 5, scalar_points: int = 20, memory_points: int = 10_000_000) -> dict:
    from .chips import load_chips
    from .reference import chip_record, decide
    from .scenario import load_scenario
    from .sweep import outcome_index, prepare, sweep

    scenario = load_scenario("us-2023-11")
    prep = prepare(scenario, destinations=["CN"])
    grid = _grid(1000, 1000)
    n_points, n_chips = 1000 * 1000, len(prep.chip_ids)
    sweep(None, grid, prepared=prep)  # warm caches and allocator
    seconds = _best_of(lambda: sweep(None, grid, prepared=prep), repeats)
    tpp = prep.m["tpp"].reshape(-1)
    flat = np.repeat(grid[A1], 1000)
    floor = _best_of(lambda: np.greater_equal(tpp[None, :], flat[:, None]), repeats)

    # scalar reference vs full vectorised engine on the same sample of points
    rng = np.random.default_rng(0)
    sample = {A1: rng.uniform(1000, 20000, scalar_points), A2PD: rng.uniform(1, 10, scalar_points)}
    vec = _best_of(lambda: outcome_index(prep, sample), repeats)
    day = scenario.as_of(None)
    table = load_chips()
    chips = [chip_record(prep.metrics.iloc[i], table.iloc[i]) for i in range(n_chips)]
    t = time.perf_counter()
    slow = []
    for j in range(scalar_points):
        s = scenario.with_values({A1: sample[A1][j], A2PD: sample[A2PD][j]})
        slow.append([decide(s, c, "CN", day)[0] for c in chips])
    scalar = time.perf_counter() - t
    fast = outcome_index(prep, sample)[:, :, prep.inverse[0]]
    words = np.array(["allowed", "exception", "license", "denied", "indeterminate"], dtype=object)[fast]
    assert (words == np.array(slow, dtype=object)).all(), "vectorised and scalar evaluators disagree"

    child = subprocess.run([sys.executable, "-c", f"from sim.bench import memory_child; memory_child({memory_points // 1000})"],
                           capture_output=True, text=True, timeout=600)
    if child.returncode != 0:
        raise RuntimeError(child.stderr[-2000:])
    peak = float(child.stdout.strip().splitlines()[-1])
    return {
        "points": n_points, "chips": n_chips, "destinations": 1, "scenario": scenario.id,
        "seconds": round(seconds, 4), "numpy_floor_seconds": round(floor, 4),
        "ratio_vs_floor": round(seconds / floor, 3),
        "scalar_sample_points": scalar_points, "scalar_seconds": round(scalar, 4), "vectorised_seconds": round(vec, 5),
        "scalar_speedup": round(scalar / vec, 1),
        "memory_sweep_points": memory_points, "peak_rss_mb": round(peak, 1),
        "targets": {"ratio_vs_floor": "<= 5", "scalar_speedup": ">= 100", "peak_rss_mb": "< 1024"},
    }


def main_json(**kw) -> str:
    return json.dumps(run(**kw), indent=1)
