"""`chipsim bench`: the sweep engine's speed as ratios against baselines timed in the same run.

- seconds: a grid sweep (counts) of >= 1,000,000 scenario points over the whole chip table;
- numpy_floor_seconds: one bare np.greater_equal broadcast over the same points x chips;
- scalar_speedup: the vectorised engine (every point evaluated, no grouping of equivalent
  thresholds) against the plain scalar reference evaluator, on the same sample of points;
- peak_rss_mb: peak memory of a child process running a 10,000,000-point counts sweep;
- stream: a child process streams the README's sweep (1,000 x 1,000 points, every destination,
  counts) to one Parquet file: rows written (checked against the file), seconds, rows per second
  and peak RSS; right after, the same process times the floor, pyarrow writing the same columns
  (the first 25,000,000 rows, already in memory) to Parquet, and floor_ratio says how many times
  slower the stream is (wall clock; floor_ratio_cpu the same in CPU time, which other processes
  on a shared machine do not inflate);
- compact: a child process writes a 10,000 x 10,000 (10^8-point) grid, every destination, in the
  compact class form: seconds, bytes on disk and peak RSS;
- flows: the bundled shipment table (every owner) evaluated under every preset with 2,000 volume draws
  each and summarised by chip and outcome; numpy_floor_seconds is the bare numpy work on the same shape
  (normal draws, their exponential, one group sum per preset), and the as-enacted run (every rule change
  in the shipments' periods) is timed on its own.
Times are the best of several repeats, so a busy machine inflates them least (the streaming
sweeps run once: they take long enough not to need it).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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
    print(_peak_mb())


def _child(call: str) -> dict:
    """Run `sim.analysis.bench.<call>` in a fresh interpreter (its own peak RSS) and return its JSON line."""
    child = subprocess.run([sys.executable, "-c", f"from sim.analysis import bench; bench.{call}"],
                           capture_output=True, text=True, timeout=3600)
    if child.returncode != 0:
        raise RuntimeError(child.stderr[-2000:])
    return json.loads(child.stdout.strip().splitlines()[-1])


def _peak_mb() -> float:
    """This process's peak resident memory in MB.

    VmHWM, not getrusage: Linux carries ru_maxrss across execve, so a child started from a large
    parent would report the parent's size.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stream_child(n_a: int, n_b: int, out: str, floor_rows: int, repeats: int) -> None:
    """Run in a child process: stream an n_a x n_b grid, every destination, counts, to one Parquet file;
    then, in the same process right after, time the floor: pyarrow writing the first floor_rows of the
    same columns, already in memory, with the same row groups. Wall and CPU time for both."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .sweep import plan_sweep, prepare
    from .sweep_io import CHUNK_ROWS, SweepRows, write_sweep

    t, cpu = time.perf_counter(), time.process_time()
    plan = plan_sweep(None, _grid(n_a, n_b), prepared=prepare("us-2023-11"))
    info = write_sweep(plan, out)
    seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    peak = _peak_mb()  # before the floor's table is built
    in_file = pq.ParquetFile(out).metadata.num_rows
    size = Path(out).stat().st_size
    Path(out).unlink()

    rows = SweepRows(plan)
    batches, held = [], 0
    for b in rows.chunks():
        batches.append(b.slice(0, floor_rows - held))
        held += batches[-1].num_rows
        if held >= floor_rows:
            break
    table = pa.Table.from_batches(batches, schema=rows.schema)
    floor_wall = floor_cpu = float("inf")
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        pq.write_table(table, out, row_group_size=CHUNK_ROWS)
        floor_wall, floor_cpu = min(floor_wall, time.perf_counter() - t), min(floor_cpu, time.process_time() - c)
    Path(out).unlink()
    print(json.dumps({"rows": info["rows"], "rows_in_file": in_file, "destinations": len(plan.prep.codes),
                      "points": plan.n_points, "evaluated_points": info["evaluated_points"], "seconds": seconds,
                      "cpu_seconds": cpu, "bytes": size, "peak_rss_mb": peak, "floor_rows": table.num_rows,
                      "floor_seconds": floor_wall, "floor_cpu_seconds": floor_cpu}))


def compact_child(n_a: int, n_b: int, out: str) -> None:
    """Run in a child process: an n_a x n_b grid, every destination, in the compact class form."""
    from .sweep import plan_sweep, prepare
    from .sweep_io import write_sweep

    t = time.perf_counter()
    plan = plan_sweep(None, _grid(n_a, n_b), prepared=prepare("us-2023-11"))
    info = write_sweep(plan, out, summary="classes")
    print(json.dumps({"points": info["points"], "full_rows": info["full_rows"], "evaluated_points": info["evaluated_points"],
                      "seconds": time.perf_counter() - t, "bytes": info["bytes"], "peak_rss_mb": _peak_mb()}))


def streaming(repeats: int = 3, grid: tuple = (1000, 1000), compact_grid: tuple = (10_000, 10_000),
              floor_rows: int = 25_000_000) -> dict:
    """The streaming writer against its floor, and the compact form (see the module notes)."""
    with tempfile.TemporaryDirectory(prefix="chipsim-bench-") as tmp:
        out = str(Path(tmp) / "grid.parquet")
        stream = _child(f"stream_child({grid[0]}, {grid[1]}, {out!r}, {floor_rows}, {repeats})")
        compact = _child(f"compact_child({compact_grid[0]}, {compact_grid[1]}, {str(Path(tmp) / 'classes')!r})")
    rate, cpu_rate = stream["rows"] / stream["seconds"], stream["rows"] / stream["cpu_seconds"]
    floor, floor_cpu = stream["floor_rows"] / stream["floor_seconds"], stream["floor_rows"] / stream["floor_cpu_seconds"]
    return {
        "stream": {**{k: stream[k] for k in ("points", "destinations", "evaluated_points", "rows", "rows_in_file")},
                   "seconds": round(stream["seconds"], 2), "rows_per_s": round(rate), "file_mb": round(stream["bytes"] / 1e6, 1),
                   "peak_rss_mb": round(stream["peak_rss_mb"], 1), "floor_rows": stream["floor_rows"],
                   "floor_rows_per_s": round(floor), "floor_ratio": round(floor / rate, 3),
                   # CPU time: the same comparison without other processes' load on a shared machine
                   "cpu_rows_per_s": round(cpu_rate), "floor_cpu_rows_per_s": round(floor_cpu),
                   "floor_ratio_cpu": round(floor_cpu / cpu_rate, 3)},
        "compact": {"points": compact["points"], "full_rows": compact["full_rows"],
                    "evaluated_points": compact["evaluated_points"], "seconds": round(compact["seconds"], 2),
                    "mb": round(compact["bytes"] / 1e6, 2), "peak_rss_mb": round(compact["peak_rss_mb"], 1)},
    }


def run(repeats: int = 5, scalar_points: int = 20, memory_points: int = 10_000_000, stream: dict | None = None) -> dict:
    """The whole bench; stream: keyword arguments for streaming() (None = the full README sweep)."""
    from ..data.chips import load_chips
    from ..engine.reference import chip_record, decide
    from ..rules.scenario import load_scenario
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

    child = subprocess.run([sys.executable, "-c", f"from sim.analysis.bench import memory_child; memory_child({memory_points // 1000})"],
                           capture_output=True, text=True, timeout=600)
    if child.returncode != 0:
        raise RuntimeError(child.stderr[-2000:])
    peak = float(child.stdout.strip().splitlines()[-1])
    streamed = streaming(**{"repeats": min(repeats, 3), **(stream or {})})
    return {
        "points": n_points, "chips": n_chips, "destinations": 1, "scenario": scenario.id,
        "seconds": round(seconds, 4), "numpy_floor_seconds": round(floor, 4),
        "ratio_vs_floor": round(seconds / floor, 3),
        "scalar_sample_points": scalar_points, "scalar_seconds": round(scalar, 4), "vectorised_seconds": round(vec, 5),
        "scalar_speedup": round(scalar / vec, 1),
        "memory_sweep_points": memory_points, "peak_rss_mb": round(peak, 1),
        **streamed,
        **flows_bench(repeats=min(repeats, 3)),
        "targets": {"flows.seconds": "< 1", "ratio_vs_floor": "<= 5", "scalar_speedup": ">= 100", "peak_rss_mb": "< 1024",
                    "stream.peak_rss_mb": "< 1024", "stream.floor_ratio": "<= 2",
                    "stream.floor_ratio_cpu": "<= 2", "stream.rows_in_file": "= stream.rows"},
    }


def flows_bench(repeats: int = 3, draws: int = 2000) -> dict:
    """Compute flows: every preset over the whole bundled volumes table, against a numpy floor of the same shape."""
    from ..data.chips import load_chips
    from ..data.volumes import load_volumes
    from ..engine.metrics import compute_metrics
    from ..rules.scenario import preset_ids
    from .flows import FlowOptions, run_flows, summarise

    volumes, table = load_volumes(), load_chips()
    metrics, ids, options = compute_metrics(table), preset_ids(), FlowOptions(draws=draws)

    def every_preset():
        for pid in ids:
            summarise(run_flows(volumes, pid, options=options, table=table, metrics=metrics), "chip")

    every_preset()  # warm the scenario and chip caches
    seconds = _best_of(every_preset, repeats)
    rng = np.random.default_rng(0)
    groups = np.zeros((50, len(volumes)))
    groups[rng.integers(0, 50, len(volumes)), np.arange(len(volumes))] = 1.0

    def floor():
        for _ in ids:
            groups @ np.exp(rng.standard_normal((len(volumes), draws)))

    floor_s = _best_of(floor, repeats)
    enacted = _best_of(lambda: run_flows(volumes, None, options=options, table=table, metrics=metrics), repeats)
    return {"flows": {"shipments": len(volumes), "presets": len(ids), "draws": draws, "seconds": round(seconds, 4),
                      "numpy_floor_seconds": round(floor_s, 4), "ratio_vs_floor": round(seconds / floor_s, 1),
                      "as_enacted_seconds": round(enacted, 4)}}


def main_json(**kw) -> str:
    return json.dumps(run(**kw), indent=1)
