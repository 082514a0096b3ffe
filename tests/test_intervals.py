"""Figures known only as ranges: the engine decides with the interval, both evaluators agree, a point
is a range of width zero, and Monte Carlo draws from the table's own ranges."""

import math

import numpy as np
import pytest
from conftest import chip_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import load_chips, parse_chips
from sim.analysis.montecarlo import monte_carlo
from sim.api import evaluate
from sim.engine.metrics import compute_metrics
from sim.engine.reference import _compare, chip_record, decide
from sim.engine.vectorised import outcome_matrix
from sim.rules.predicates import compare_interval
from sim.rules.scenario import load_scenario, preset_ids

DESTS = ["CN", "MY", "FR", "SA", "IR", "US"]


@pytest.mark.parametrize("op, low, high, limit, expected", [
    (">=", 5.92, 5.92, 5.92, True), (">=", 5.0, 5.91, 5.92, False), (">=", 5.1, 6.8, 5.92, None),
    (">=", 5.92, 7.0, 5.92, True), (">", 5.92, 7.0, 5.92, None), (">", 5.93, 7.0, 5.92, True),
    ("<", 1.0, 5.91, 5.92, True), ("<", 1.0, 5.92, 5.92, None), ("<", 5.92, 9.0, 5.92, False),
    ("<=", 1.0, 5.92, 5.92, True), ("<=", 5.92, 9.0, 5.92, None), ("<=", 5.93, 9.0, 5.92, False),
    (">=", 7.33, math.inf, 5.92, True), ("<", 0.0, math.inf, 5.92, None), (">=", math.nan, math.nan, 5.92, None),
])
def test_interval_comparison_at_the_edges(op, low, high, limit, expected):
    t, f = compare_interval(np.array(low), np.array(high), op, limit)
    vector = True if t else False if f else None
    assert vector is expected
    assert _compare(low, high, op, limit) is expected


def chip(**fields):
    row = {"chip_id": "r", "non_planar": "true", "dram_bw_gbps": 2000, "io_bw_gbps": 400, **fields}
    return parse_chips(chip_csv(row), name="ranges")


def test_a_bound_alone_decides_when_it_clears_the_threshold():
    # die < 600 mm² with TPP 4,400 gives PD > 7.33, so 3A090.a.2 holds whatever the exact area
    t = chip(fp16_bf16_tflops=275, die_area_mm2_high=600)
    m = compute_metrics(t).iloc[0]
    assert m["pd_low"] == pytest.approx(4400 / 600) and m["pd_high"] == math.inf and math.isnan(m["pd"])
    v = evaluate("us-2023-11", table=t, destinations=["CN"]).iloc[0]
    assert v["classification"] == "3A090.a" and "PD ≥ 7.33" in v["reason"]


def test_a_threshold_inside_the_range_is_indeterminate_and_says_so():
    # TPP 4,400; die 650-860 mm² gives PD 5.12-6.77, which straddles 5.92 (3A090.a.2 vs .b)
    t = chip(fp16_bf16_tflops=275, die_area_mm2_low=650, die_area_mm2_high=860)
    v = evaluate("us-2023-11", table=t, destinations=["CN"]).iloc[0]
    assert v["outcome"] == "indeterminate" or v["classification"].startswith("indeterminate")
    assert "straddles 5.92" in v["reason"] and "PD 5.12–6.77" in v["reason"]


def test_an_open_class_names_the_missing_die_area_and_what_depends_on_it():
    # TPP 3,040 with no die area: 3A090.b.1 needs PD >= 1.6, so the class is open; nothing else is
    t = chip(fp16_bf16_tflops=190, dram_bw_gbps=820, io_bw_gbps=384, us_available="2024-01",
             us_available_source="test row: sold in the US, so the class is all that is open")
    v = evaluate("us-2026-01", table=t, destinations=["CN"]).iloc[0]
    assert v["outcome"] == "indeterminate"
    assert "PD unknown (no applicable die area in the table)" in v["reason"]
    assert v["reason"].endswith("the outcome depends on: which of these classes applies")
    assert "not in the table" not in v["reason"]


def test_a_range_clear_of_every_threshold_gives_the_point_answer():
    ranged = chip(fp8_tflops_low=2500, fp8_tflops_high=2600, die_area_mm2=800)
    point = chip(fp8_tflops=2550, die_area_mm2=800)
    for s in ("us-2023-11", "us-2026-01"):
        a = outcome_matrix(load_scenario(s), ranged, DESTS)
        b = outcome_matrix(load_scenario(s), point, DESTS)
        assert (a.to_numpy() == b.to_numpy()).all()


def test_point_values_are_ranges_of_width_zero():
    table = load_chips()
    m = compute_metrics(table)
    point_only = ~table.filter(regex=r"_(low|high)$").notna().any(axis=1)
    for name in ("tpp", "pd", "dram_bw_gbps", "io_bw_gbps"):
        pts = m.loc[point_only, name]
        assert ((pts == m.loc[point_only, f"{name}_low"]) | pts.isna()).all()
        assert ((pts == m.loc[point_only, f"{name}_high"]) | pts.isna()).all()


bound = st.one_of(st.none(), st.floats(10, 3000).map(lambda x: round(x)))


@st.composite
def ranged_rows(draw):
    rows = []
    for _ in range(draw(st.integers(1, 4))):
        lo, hi = sorted([draw(st.floats(10, 3000)), draw(st.floats(10, 3000))])
        a_lo, a_hi = sorted([draw(st.floats(100, 1800)), draw(st.floats(100, 1800))])
        rows.append({"fp8_tflops_low": draw(st.sampled_from([round(lo), None])),
                     "fp8_tflops_high": draw(st.sampled_from([round(hi), None])),
                     "fp16_bf16_tflops": draw(bound),
                     "die_area_mm2_low": draw(st.sampled_from([round(a_lo), None])),
                     "die_area_mm2_high": draw(st.sampled_from([round(a_hi), None])),
                     "non_planar": "true",
                     "dram_bw_gbps_low": draw(st.sampled_from([500, 4000, None])),
                     "dram_bw_gbps_high": draw(st.sampled_from([6000, 7000, None])),
                     "io_bw_gbps": draw(bound),
                     "datacenter": draw(st.sampled_from(["true", "false"]))})
    return parse_chips(chip_csv(*rows), name="random ranges")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(preset_ids()), ranged_rows())
def test_vectorised_and_scalar_agree_on_ranges(preset, table):
    s = load_scenario(preset)
    fast = outcome_matrix(s, table, DESTS)
    metrics = compute_metrics(table)
    day = s.as_of(None)
    for i, row in table.iterrows():
        rec = chip_record(metrics.loc[i], row)
        for d in DESTS:
            assert fast.loc[row["chip_id"], d] == decide(s, rec, d, day)[0], (row.to_dict(), d, preset)


def test_monte_carlo_draws_the_table_ranges_by_default():
    # TPP 16,000-26,000 across the 21,000 case-by-case line: China outcomes split about half/half
    t = chip(fp8_tflops_low=2000, fp8_tflops_high=3250, die_area_mm2=800, us_available="2024-01",
             us_available_source="test row: sold in the US (91 FR 1684 condition (a) holds)")
    r = monte_carlo("us-2026-01", n=4000, seed=3, table=t, destinations=["CN"]).iloc[0]
    expected_license = (21000 / 8 - 2000) / (3250 - 2000)
    assert r["p_license"] == pytest.approx(expected_license, abs=0.03)
    assert r["p_denied"] == pytest.approx(1 - expected_license, abs=0.03) and r["p_indeterminate"] == 0
    fixed = monte_carlo("us-2026-01", n=50, seed=3, table=t, destinations=["CN"], table_ranges=False).iloc[0]
    assert fixed["p_indeterminate"] == 1.0


def test_sweeps_stay_exact_for_ranged_chips():
    # PD 2-4 straddles both PD thresholds: where 3A090.a.2.pd falls against 3A090.b.2.pd (3.2) inside
    # that range changes the chip's possible classes ({a, not controlled} below, {a, b, not controlled}
    # above), so a sweep must not group 3.0 with 3.3 although no chip figure lies between them
    from sim.analysis.sweep import prepare, representatives, sweep

    t = chip(fp16_bf16_tflops=125, die_area_mm2_low=500, die_area_mm2_high=1000)  # TPP 2,000
    s = load_scenario("us-2023-11")
    labels = {v: evaluate(s.with_values({"3A090.a.2.pd": v}), table=t, destinations=["CN"]).iloc[0]["classification"]
              for v in (3.0, 3.3)}
    assert labels[3.0] != labels[3.3]
    _, groups = representatives(prepare(s, t, destinations=["CN"]), "3A090.a.2.pd", np.array([3.0, 3.3]))
    assert groups[0] != groups[1]
    values = np.array([2.1, 2.5, 3.0, 3.3, 3.9, 4.5])
    result = sweep(s, {"3A090.a.2.pd": values}, table=t, destinations=["CN", "FR"], summary="pairs")
    for v in values:
        brute = outcome_matrix(s.with_values({"3A090.a.2.pd": v}), t, ["CN", "FR"])
        got = result[result["3A090.a.2.pd"] == v].set_index("destination")["outcome"]
        assert got.to_dict() == brute.iloc[0].to_dict(), v
