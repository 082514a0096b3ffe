"""Sweeps, flip points, margins, the best chip, allocations and Monte Carlo."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.analysis.montecarlo import monte_carlo
from sim.analysis.sweep import (
    OUTCOME_ORDER,
    allocation,
    best,
    flip_points,
    frontier,
    margins,
    outcome_index,
    prepare,
    sweep,
)
from sim.api import evaluate
from sim.engine.vectorised import Context
from sim.rules.scenario import load_scenario, preset_ids

# numeric parameters a user sets (a date is swept by days, a derived threshold through its margin)
PRESET_PARAMS = [(p, k) for p in preset_ids() for k, v in load_scenario(p).parameters.items()
                 if v.derived is None and not v.is_date]
DESTS = ["CN", "SA", "FR", "RU", "AE", "BR"]


@pytest.fixture(scope="module")
def prep_2023():
    return prepare("us-2023-11", destinations=DESTS)


@pytest.mark.parametrize("preset, name", PRESET_PARAMS)
def test_allowed_never_rises_as_a_threshold_tightens(preset, name):
    s = load_scenario(preset)
    p = s.parameters[name]
    values = np.linspace(p.value * 0.2, p.value * 3, 60)
    # ordered from loosest to strictest: downwards when lower is stricter, upwards otherwise
    order = values[::-1] if p.stricter == "lower" else values
    result = sweep(s, {name: order}, destinations=DESTS, ctx=Context(quantity=3000))
    for dest, sub in result.groupby("destination", observed=True):
        allowed = sub["allowed"].to_numpy()
        assert (np.diff(allowed) <= 0).all(), (preset, name, dest, allowed)


def test_grid_sweep_equals_evaluating_every_point(prep_2023):
    a = np.linspace(1000, 9000, 37)
    b = np.linspace(1.0, 8.0, 23)
    result = sweep(None, {"3A090.a.1.tpp": a, "3A090.a.2.pd": b}, summary="pairs", prepared=prep_2023)
    assert result.attrs["evaluated_points"] < result.attrs["points"]  # equivalent thresholds were grouped
    aa, bb = np.meshgrid(a, b, indexing="ij")
    brute = outcome_index(prep_2023, {"3A090.a.1.tpp": aa.reshape(-1), "3A090.a.2.pd": bb.reshape(-1)})
    brute_words = np.asarray(OUTCOME_ORDER, dtype=object)[brute[:, :, prep_2023.inverse]]
    assert (result["outcome"].to_numpy(dtype=object) == brute_words.reshape(-1)).all()


def test_zip_mode_and_counts_agree_with_pairs(prep_2023):
    v = {"3A090.a.1.tpp": [2000, 4800, 9000], "3A090.b.1.pd": [1.0, 1.6, 3.0]}
    counts = sweep(None, v, mode="zip", prepared=prep_2023)
    pairs = sweep(None, v, mode="zip", summary="pairs", prepared=prep_2023)
    assert len(counts) == 3 * len(DESTS) and len(pairs) == 3 * len(DESTS) * len(prep_2023.chip_ids)
    from_pairs = pairs.groupby(["3A090.a.1.tpp", "destination", "outcome"], observed=True).size()
    for _, row in counts.iterrows():
        for word in OUTCOME_ORDER:
            assert row[word] == from_pairs.get((row["3A090.a.1.tpp"], row["destination"], word), 0)


@pytest.mark.parametrize("preset", preset_ids())
def test_a_sweep_of_one_point_equals_evaluate(preset):
    s = load_scenario(preset)
    name = next(iter(s.parameters))
    pairs = sweep(s, {name: [s.value(name)]}, summary="pairs", destinations=DESTS)
    v = evaluate(preset, destinations=DESTS)
    merged = pairs.merge(v, on=["chip_id", "destination"])
    assert len(merged) == len(v)
    assert (merged["outcome_x"].astype(str) == merged["outcome_y"]).all()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PRESET_PARAMS), st.sampled_from(DESTS))
def test_flip_points_agree_with_evaluating_either_side(preset_param, dest):
    preset, name = preset_param
    s = load_scenario(preset)
    prep = prepare(s, destinations=[dest], ctx=Context(quantity=3000))
    p = s.value(name)
    flips = flip_points(prep, name, p * 0.01, p * 10, dest)
    for _, f in flips.head(12).iterrows():
        i = list(prep.chip_ids).index(f["chip_id"])
        x = f["flip_at"]
        sides = np.array([np.nextafter(x, -np.inf), x, np.nextafter(x, np.inf)])
        words = np.asarray(OUTCOME_ORDER)[outcome_index(prep, {name: sides})[:, i, prep.inverse[0]]]
        assert f["below"] in words[:2] and f["above"] in words[1:] and f["below"] != f["above"]
        assert words[0] != words[2]


def test_h20_flips_at_2368_and_a100_does_not_flip_on_the_tpp_axis():
    prep = prepare("us-2023-11", destinations=["CN"])
    flips = flip_points(prep, "3A090.a.1.tpp", 1000, 20000, "CN").set_index("chip_id")
    assert flips.loc["nvidia-h20", "flip_at"] == pytest.approx(2368)
    assert (flips.loc["nvidia-h20", "below"], flips.loc["nvidia-h20", "above"]) == ("denied", "allowed")
    assert "nvidia-a100-sxm" not in flips.index  # caught by the density prong (PD 6.04) at any a.1 value


def test_margins_mi325x_clears_the_21000_line_by_81():
    m = margins("us-2026-01", "amd-mi325x", "CN").set_index("parameter")
    row = m.loc["RLP.tpp"]
    assert row["outcome"] == "license" and row["outcome_if_lower"] == "denied"
    assert row["headroom_lower"] == pytest.approx(21000 - 2614.9 * 8)
    s = load_scenario("us-2026-01")
    at_flip = evaluate(s.with_values({"RLP.tpp": row["flip_if_lower_to"]}), chips=["amd-mi325x"], destinations=["CN"])
    assert at_flip.iloc[0]["outcome"] == "denied"
    assert np.isnan(m.loc["3A090.a.1.tpp", "flip_if_lower_to"]) or m.loc["3A090.a.1.tpp", "flip_if_lower_to"] is None


def test_margins_h20_2023():
    m = margins("us-2023-11", "nvidia-h20", "CN").set_index("parameter")
    assert m.loc["3A090.b.1.tpp", "flip_if_lower_to"] == pytest.approx(2368)
    assert m.loc["3A090.b.1.tpp", "outcome_if_lower"] == "exception"  # a datacenter 3A090.b item: NAC
    assert m.loc["3A090.b.2.pd", "flip_if_lower_to"] == pytest.approx(2368 / 814)


def test_best_returns_only_receivable_chips_sorted():
    b = best("us-2026-01", "CN", metric="tpp", top=20)
    assert b["outcome"].isin(["allowed", "exception"]).all()
    assert (np.diff(b["tpp"].to_numpy()) <= 0).all()
    full = evaluate("us-2026-01", destinations=["CN"])
    assert set(b["chip_id"]) <= set(full.loc[full["outcome"].isin(["allowed", "exception"]), "chip_id"])


def test_frontier_moves_as_a_threshold_loosens():
    f = frontier("us-2023-11", "CN", "3A090.a.2.pd", [3, 6, 12, 30], metric="tpp")
    assert f["tpp"].is_monotonic_increasing


def test_allocation_units_and_mix():
    a = allocation("us-2025-01-aid", "BR").set_index("chip_id")
    assert a.loc["nvidia-h100-sxm", "units_in_budget"] == np.floor(790_000_000 / (1978.9 * 8))
    assert a.loc["nvidia-h100-sxm", "units_per_consignee_lpp"] == np.floor(26_900_000 / (1978.9 * 8))
    mix = allocation("us-2025-01-aid", "BR", budget=1.5e9, mix={"nvidia-h100-sxm": 30000, "nvidia-b200": 10000})
    assert mix.attrs["fits"] and mix.attrs["mix_total_tpp"] == pytest.approx(30000 * 15831.2 + 10000 * 36000)


def test_a_cap_is_a_parameter_like_any_other():
    r = sweep("us-2025-01-aid", {"AID.tier2.country_tpp": [5e8, 1.5e9]}, chips=["nvidia-h100-sxm"], destinations=["BR"],
              summary="pairs", ctx=Context(quantity=60_000))
    assert list(r["outcome"].astype(str)) == ["denied", "license"]


def test_monte_carlo_zero_width_equals_deterministic():
    s = load_scenario("us-2026-01")
    ranges = {k: (p.value, p.value) for k, p in list(s.parameters.items())[:6]}
    chips = {"nvidia-h20": {"fp8_tflops": (296, 296), "dram_bw_gbps": (4000, 4000)}}
    mc = monte_carlo(s, n=50, seed=3, param_ranges=ranges, chip_ranges=chips, destinations=DESTS)
    det = evaluate(s, destinations=DESTS)
    merged = mc.merge(det, on=["chip_id", "destination"])
    for word in OUTCOME_ORDER:
        assert ((merged[f"p_{word}"] == 1.0) == (merged["outcome"] == word)).all()


def test_monte_carlo_is_seeded_and_spans_outcomes():
    # FP8 drawn across the 21,000-TPP case-by-case line: TPP 8,000-28,000 for a chip sold in the US (H100 SXM)
    kw = dict(n=400, chip_ranges={"nvidia-h100-sxm": {"fp8_tflops": (1000, 3500), "dram_bw_gbps": (3000, 8000)}},
              chips=["nvidia-h100-sxm"], destinations=["CN"])
    a, b = monte_carlo("us-2026-01", seed=1, **kw), monte_carlo("us-2026-01", seed=1, **kw)
    pd.testing.assert_frame_equal(a, b)
    probs = a[[c for c in a.columns if c.startswith("p_")]].iloc[0].astype(float)
    assert probs.sum() == pytest.approx(1.0) and (probs > 0).sum() >= 2


def chipsim(*args):
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("vary, needle", [
    ("3A090.a.1.tp=1:2:3", "did you mean"),
    ("3A090.a.1.tpp=1:2", "START:STOP:N"),
    ("3A090.a.1.tpp", "NAME=START:STOP:N"),
    ("3A090.a.1.tpp=a,b", "START:STOP:N"),
    ("3A090.a.1.tpp=1:2:0", "N must be"),
])
def test_bad_vary_is_a_clear_error(vary, needle):
    run = chipsim("sweep", "--scenario", "us-2023-11", "--vary", vary)
    assert run.returncode == 2 and needle in run.stderr and "Traceback" not in run.stderr


def test_cli_sweep_with_plot(tmp_path):
    png, csv = tmp_path / "tpp.png", tmp_path / "out.csv"
    run = chipsim("sweep", "--scenario", "us-2023-11", "--vary", "3A090.a.1.tpp=1000:20000:191", "--dest", "CN",
                  "--plot", str(png), "--out", str(csv))
    assert run.returncode == 0, run.stderr
    assert png.read_bytes().startswith(b"\x89PNG")
    frame = pd.read_csv(csv)
    assert len(frame) == 191 and set(OUTCOME_ORDER) <= set(frame.columns)


def test_cli_margins_best_allocate_montecarlo():
    m = chipsim("margins", "amd-mi325x", "--dest", "CN", "--scenario", "us-2026-01")
    assert m.returncode == 0 and "RLP.tpp" in m.stdout and "headroom 80.8" in m.stdout
    b = chipsim("best", "--dest", "CN", "--scenario", "us-2026-01", "--format", "csv")
    assert b.returncode == 0 and b.stdout.startswith("chip_id")
    a = chipsim("allocate", "--dest", "BR", "--scenario", "us-2025-01-aid", "--mix", "nvidia-h100-sxm=100")
    assert a.returncode == 0 and "fits" in a.stdout
    mc = chipsim("montecarlo", "--scenario", "us-2026-01", "--chip", "nvidia-h20", "--dest", "CN", "--n", "10",
                 "--range", "H20.dram=1000:5000", "--format", "csv")
    assert mc.returncode == 0 and "p_license" in mc.stdout
    bad = chipsim("montecarlo", "--scenario", "us-2026-01", "--range", "H20.dram=5")
    assert bad.returncode == 2 and "LOW:HIGH" in bad.stderr


def test_bench_reports_its_ratios():
    from sim.analysis.bench import run

    r = run(repeats=1, scalar_points=3, memory_points=200_000,
            stream={"grid": (100, 10), "compact_grid": (1000, 1000), "floor_rows": 200_000})
    for key in ("points", "chips", "seconds", "numpy_floor_seconds", "ratio_vs_floor", "scalar_speedup", "peak_rss_mb"):
        assert key in r and r[key] > 0
    assert r["points"] >= 1_000_000 and r["chips"] >= 55
    s, c = r["stream"], r["compact"]
    assert s["rows"] == s["rows_in_file"] == 100 * 10 * s["destinations"]
    for key in ("seconds", "rows_per_s", "floor_rows_per_s", "floor_ratio", "floor_ratio_cpu", "peak_rss_mb", "file_mb"):
        assert s[key] > 0, key
    assert s["floor_rows"] == 200_000
    assert c["points"] == 1_000_000 and c["full_rows"] == 1_000_000 * s["destinations"] and 0 < c["mb"] < 5


def test_grouping_is_exact_at_chip_figures(prep_2023):
    figures = np.unique(prep_2023.m["tpp"].reshape(-1))
    figures = figures[np.isfinite(figures)]
    values = np.unique(np.concatenate([figures, np.nextafter(figures, -np.inf), np.nextafter(figures, np.inf), [0, 1e9]]))
    result = sweep(None, {"3A090.b.1.tpp": values}, summary="pairs", prepared=prep_2023)
    brute = outcome_index(prep_2023, {"3A090.b.1.tpp": values})[:, :, prep_2023.inverse]
    assert (result["outcome"].to_numpy(dtype=object) == np.asarray(OUTCOME_ORDER, dtype=object)[brute].reshape(-1)).all()


def test_grouping_is_exact_where_a_figure_is_known_only_as_a_range():
    """A ranged figure (TPP 4,000-6,000) turns comparisons at both ends: the grouping must split at both."""
    from conftest import chip_csv

    from sim import parse_chips

    table = parse_chips(chip_csv({"fp8_tflops_low": 500, "fp8_tflops_high": 750, "die_area_mm2": 4000,
                                  "non_planar": "true"}), name="t.csv")
    prep = prepare("us-2023-11", table=table, destinations=["CN"])
    values = np.linspace(3000, 7000, 81)
    result = sweep(None, {"3A090.a.1.tpp": values}, summary="pairs", prepared=prep)
    brute = np.asarray(OUTCOME_ORDER, dtype=object)[outcome_index(prep, {"3A090.a.1.tpp": values})[:, :, prep.inverse]]
    assert (result["outcome"].to_numpy(dtype=object) == brute.reshape(-1)).all()
    assert {"denied", "indeterminate", "allowed"} <= set(result["outcome"].astype(str))
    flips = flip_points(prep, "3A090.a.1.tpp", 3000, 7000, "CN")
    assert sorted(flips["flip_at"]) == [4000, 6000]
    m = margins("us-2023-11", "test-chip-0", "CN", table=table).set_index("parameter")
    assert m.loc["3A090.a.1.tpp", "flip_if_higher_to"] > 6000 and m.loc["3A090.a.1.tpp", "outcome_if_higher"] == "allowed"
