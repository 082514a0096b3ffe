"""TPP and performance density exactly as 3A090 Technical Notes 1-4 define them."""

import math

import numpy as np
import pytest
from conftest import chip_csv

from sim import MetricConventions, compute_metrics, parse_chips


def metrics_of(conv=MetricConventions(), **figures):
    return compute_metrics(parse_chips(chip_csv(figures)), conv).iloc[0]


def test_regulation_example_int8():
    # Note 2: "600 tera integer operations ... at 8 bits" meets TPP 4800
    assert metrics_of(int8_tops=600)["tpp"] == 4800


def test_regulation_example_fp16():
    # Note 2: "300 tera FLOPS ... at 16 bits" meets TPP 4800
    assert metrics_of(fp16_bf16_tflops=300)["tpp"] == 4800


def test_tpp_is_highest_over_precisions_not_a_sum():
    m = metrics_of(fp16_bf16_tflops=140, fp8_tflops=296, int8_tops=296, fp32_tflops=44)
    assert m["tpp"] == 296 * 8
    assert m["tpp_precision"] in ("fp8_tflops", "int8_tops")


def test_missing_figures_are_missing_not_zero():
    m = metrics_of(die_area_mm2=None)
    assert math.isnan(m["tpp"]) and math.isnan(m["pd"]) and math.isnan(m["h100e"])


def test_pd_uses_non_planar_area_only():
    assert metrics_of(fp8_tflops=100, die_area_mm2=400, non_planar="true")["pd"] == pytest.approx(2.0)
    assert math.isnan(metrics_of(fp8_tflops=100, die_area_mm2=400, non_planar="false")["pd"])
    assert math.isnan(metrics_of(fp8_tflops=100, die_area_mm2=400, non_planar="")["pd"])  # not stated: unknown


def test_tf32_and_fp6_conventions_are_settings():
    row = dict(tf32_tflops=100, fp6_tflops=100)
    assert metrics_of(**row)["tpp"] == 1900  # default: TF32 operands are 19 bits wide
    assert metrics_of(MetricConventions(tf32_bits=32), **row)["tpp"] == 3200
    assert metrics_of(MetricConventions(fp6_bits=8), **row)["tpp"] == 1900
    assert metrics_of(tf32_tflops=10, fp6_tflops=100)["tpp"] == 600
    assert metrics_of(MetricConventions(fp6_bits=8), fp6_tflops=100)["tpp"] == 800


def test_tf32_convention_moves_trainium3_across_the_2026_line(bundled):
    from sim import load_chips

    t = load_chips()
    trn3 = t[t["chip_id"] == "aws-trainium3"]
    assert compute_metrics(trn3).iloc[0]["tpp"] < 21000 < compute_metrics(trn3, MetricConventions(tf32_bits=32)).iloc[0]["tpp"]


def test_per_package_scales_tpp_but_not_density():
    row = dict(fp8_tflops=100, die_area_mm2=400, non_planar="true", units_per_package=2, dram_bw_gbps=10)
    chip, pkg = metrics_of(**row), metrics_of(MetricConventions(count_per="package"), **row)
    assert pkg["tpp"] == 2 * chip["tpp"]
    assert pkg["dram_bw_gbps"] == 2 * chip["dram_bw_gbps"]
    assert pkg["pd"] == pytest.approx(chip["pd"])


def test_bad_convention_is_a_clear_error():
    from sim import ChipsimError

    with pytest.raises(ChipsimError, match="tf32_bits"):
        MetricConventions(tf32_bits=16)


# ---- published figures from the bundled table -------------------------------------------------

def test_h100_sxm(bundled):
    h100 = bundled.loc["nvidia-h100-sxm"]
    assert h100["tpp"] == pytest.approx(15832, abs=2)
    assert h100["pd"] == pytest.approx(19.4, abs=0.05)


def test_h20(bundled):
    h20 = bundled.loc["nvidia-h20"]
    assert h20["tpp"] == pytest.approx(2368)
    assert h20["pd"] == pytest.approx(2.91, abs=0.01)


def test_h20_not_double_counted(bundled):
    # a sparse FP8 figure (592 TFLOPS) would give 4,736 and put the H20 into 3A090.a
    assert bundled.loc["nvidia-h20", "tpp"] < 4736 / 1.5


def test_a100(bundled):
    assert bundled.loc["nvidia-a100-sxm", "tpp"] == pytest.approx(4992)
    assert bundled.loc["nvidia-a100-pcie", "tpp"] == pytest.approx(4992)


def test_rtx_4090_vs_4090d(bundled):
    assert bundled.loc["nvidia-rtx-4090", "tpp"] == pytest.approx(5285, abs=1)
    assert bundled.loc["nvidia-rtx-4090-d", "tpp"] == pytest.approx(4707, abs=1)
    assert bundled.loc["nvidia-rtx-4090-d", "tpp"] < 4800 <= bundled.loc["nvidia-rtx-4090", "tpp"]


def test_l20_and_l4_density(bundled):
    assert 3.0 < bundled.loc["nvidia-l20", "pd"] < 3.2
    assert bundled.loc["nvidia-l4", "pd"] > 5.92


def test_every_row_is_sourced(bundled):
    assert len(bundled) >= 55
    assert (bundled["sources"].str.len() > 10).all()
    assert bundled["confidence"].isin(["datasheet", "secondary", "estimate"]).all()


def test_metrics_are_vectorised_consistently(bundled):
    # computing one row alone gives what the whole-table computation gave
    from sim import load_chips

    table = load_chips()
    whole = compute_metrics(table)
    for i in np.linspace(0, len(table) - 1, 7).astype(int):
        alone = compute_metrics(table.iloc[[i]])
        assert np.allclose(alone[["tpp", "pd"]].to_numpy(float), whole.iloc[[i]][["tpp", "pd"]].to_numpy(float),
                           equal_nan=True)
