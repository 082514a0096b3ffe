"""Public stories of the US chip rules, as tests: each asserts what the record says happened."""

import pytest

from sim.api import evaluate, timeline
from sim.rules.scenario import in_force_on, load_scenario


def verdict(scenario, chip, dest, **kw):
    return evaluate(scenario, chips=[chip], destinations=[dest], **kw).iloc[0]


@pytest.mark.parametrize("chip", ["nvidia-a800-sxm", "nvidia-a800-pcie", "nvidia-h800-sxm"])
def test_a800_h800_escape_2022_and_are_caught_2023(chip):
    v22 = verdict("us-2022-10", chip, "CN")
    assert v22["outcome"] == "allowed" and v22["classification"] == "not controlled"
    assert "I/O" in v22["reason"] and "< 600" in v22["reason"]
    v23 = verdict("us-2023-11", chip, "CN")
    assert v23["classification"] == "3A090.a" and v23["outcome"] == "denied"


def test_a100_is_caught_in_2022():
    assert verdict("us-2022-10", "nvidia-a100-sxm", "CN")["outcome"] == "denied"


def test_h20_outside_3a090_in_2023_caught_by_2025_triggers():
    v23 = verdict("us-2023-11", "nvidia-h20", "CN")
    assert (v23["classification"], v23["outcome"]) == ("not controlled", "allowed")
    assert "TPP 2,368 < 2,400" in v23["reason"] and "PD 2.91 < 3.2" in v23["reason"]
    v25 = verdict("us-2025-04-h20", "nvidia-h20", "CN", as_of="2025-05-01")
    assert v25["outcome"] == "denied" and v25["rule"] == "h20-is-informed"
    licensed = verdict("us-2025-04-h20", "nvidia-h20", "CN", as_of="2025-09-01")
    assert licensed["outcome"] == "license" and "15%" in licensed["conditions"]
    # the trigger is bandwidth: the H20 goes freely to a country outside China/D:5
    assert verdict("us-2025-04-h20", "nvidia-h20", "FR")["outcome"] == "allowed"


def test_rtx_4090_needs_nac_while_4090d_is_free():
    v = verdict("us-2024-12", "nvidia-rtx-4090", "CN")
    assert v["outcome"] == "exception" and v["exception"] == "NAC"
    d = verdict("us-2024-12", "nvidia-rtx-4090-d", "CN")
    assert d["outcome"] == "allowed" and "not designed or marketed for datacenters" in d["reason"]


def test_l4_is_caught_by_the_density_prong():
    v = verdict("us-2023-11", "nvidia-l4", "CN")
    assert v["classification"] == "3A090.a" and v["reason"].startswith("3A090.a.2")
    assert v["outcome"] == "denied"


def test_israel_is_carved_out_by_a6_but_saudi_arabia_is_not():
    assert verdict("us-2023-11", "nvidia-h100-sxm", "IL")["outcome"] == "allowed"
    sa = verdict("us-2023-11", "nvidia-h100-sxm", "SA")
    assert (sa["outcome"], sa["review_policy"]) == ("license", "presumption of approval")


@pytest.mark.parametrize("scenario", ["us-2022-10", "us-2023-11", "us-2025-04-h20", "us-2026-01"])
def test_macau_and_hong_kong_follow_china(scenario):
    v = evaluate(scenario, destinations=["CN", "HK", "MO"])
    wide = v.pivot(index="chip_id", columns="destination", values="outcome")
    assert (wide["HK"] == wide["CN"]).all() and (wide["MO"] == wide["CN"]).all()
    assert (wide["CN"] != "allowed").sum() > 10


def test_macau_joins_the_2022_rule_on_2023_01_17():
    assert verdict("us-2022-10", "nvidia-a100-sxm", "MO", as_of="2023-01-16")["outcome"] == "allowed"
    assert verdict("us-2022-10", "nvidia-a100-sxm", "MO", as_of="2023-01-17")["outcome"] == "denied"


def test_jan_2026_policy_h200_and_mi325x_case_by_case_b200_denied():
    for chip in ("nvidia-h200-sxm", "amd-mi325x"):
        v = verdict("us-2026-01", chip, "CN")
        assert (v["outcome"], v["review_policy"], v["rule"]) == ("license", "case-by-case", "rlp-2026-case-by-case")
        assert "third-party testing" in v["conditions"]
    assert verdict("us-2026-01", "nvidia-b200", "CN")["outcome"] == "denied"
    # reexports keep the presumption of denial
    from sim.engine.vectorised import Context

    assert verdict("us-2026-01", "nvidia-h200-sxm", "CN", ctx=Context(export="reexport"))["outcome"] == "denied"


def test_sec232_band_is_flagged_as_a_condition():
    v = verdict("us-2026-01", "nvidia-h200-sxm", "CN")  # TPP 15,832 and DRAM 4,800: band 1
    assert "Sec. 232" in v["conditions"] and "band 1" in v["conditions"]


def test_headquarters_rule_reaches_a5_countries():
    from sim.engine.vectorised import Context

    v = verdict("us-2023-11", "nvidia-h100-sxm", "DE", ctx=Context(hq="CN"))
    assert (v["outcome"], v["rule"]) == ("license", "hq-d5-macau")
    assert verdict("us-2023-11", "nvidia-h100-sxm", "DE")["outcome"] == "allowed"


def test_nac_aca_split_on_2024_04_04():
    before = verdict("us-2023-11", "nvidia-rtx-4090", "SA", as_of="2024-04-03")
    after = verdict("us-2023-11", "nvidia-rtx-4090", "SA", as_of="2024-04-04")
    assert (before["exception"], after["exception"]) == ("NAC", "ACA")


def test_dated_country_groups():
    # Nicaragua joined D:1/D:5 on 2024-03-15
    assert verdict("us-2023-11", "nvidia-h100-sxm", "NI", as_of="2024-03-14")["outcome"] == "allowed"
    assert verdict("us-2023-11", "nvidia-h100-sxm", "NI", as_of="2024-03-15")["outcome"] == "denied"
    # Cambodia left D:5 on 2026-02-03 (still D:1: licence with presumption of approval)
    assert verdict("us-2026-01", "nvidia-h100-sxm", "KH", as_of="2026-02-02")["outcome"] == "denied"
    assert verdict("us-2026-01", "nvidia-h100-sxm", "KH", as_of="2026-02-03")["outcome"] == "license"
    # the UAE moved to A:5 on 2026-07-10 but stays named in the 3A090 scope
    v = verdict("us-2026-01", "nvidia-h100-sxm", "AE", as_of="2026-07-10")
    assert v["rule"] == "uae-a5" and "Supp. No. 8" in v["conditions"]


def test_ai_diffusion_tiers():
    assert verdict("us-2025-01-aid", "nvidia-h100-sxm", "JP")["exception"] == "AIA"
    br = verdict("us-2025-01-aid", "nvidia-h100-sxm", "BR")
    assert (br["outcome"], br["exception"]) == ("exception", "LPP")
    from sim.engine.vectorised import Context

    big = verdict("us-2025-01-aid", "nvidia-h100-sxm", "BR", ctx=Context(quantity=10_000))
    assert big["outcome"] == "license" and "allocation" in big["conditions"]
    huge = verdict("us-2025-01-aid", "nvidia-h100-sxm", "BR", ctx=Context(quantity=60_000))
    assert huge["outcome"] == "denied"  # 60,000 x 15,831 > 790 M TPP
    assert load_scenario("us-2025-01-aid").status_label == "not enforced"


def test_missing_figure_gives_indeterminate_only_where_it_matters():
    # TPU v4's figures with its die area left out: PD decides China, nothing decides France
    from conftest import chip_csv

    from sim import parse_chips

    table = parse_chips(chip_csv({"chip_id": "v4-no-die", "fp16_bf16_tflops": 275, "int8_tops": 275,
                                  "dram_bw_gbps": 1200, "io_bw_gbps": 300, "non_planar": "true"}), name="t")
    v = evaluate("us-2023-11", table=table, destinations=["CN", "FR"]).set_index("destination")
    assert v.loc["CN", "outcome"] == "indeterminate" and "PD unknown" in v.loc["CN", "reason"]
    assert v.loc["FR", "outcome"] == "allowed"


def test_tpu_v4_is_settled_by_its_die_bound():
    # ISCA 2023: TPU v4 die < 600 mm², so PD > 4,400 / 600 = 7.33 >= 5.92: 3A090.a.2 without the exact area
    v = evaluate("us-2023-11", chips=["google-tpu-v4"], destinations=["CN"]).iloc[0]
    assert (v["classification"], v["outcome"]) == ("3A090.a", "denied") and "PD ≥ 7.33" in v["reason"]


def test_rules_in_force_on_a_date():
    assert in_force_on("2023-01-01").id == "us-2022-10"
    assert in_force_on("2024-06-01").id == "us-2023-11"
    assert in_force_on("2025-06-01").id == "us-2025-04-h20"
    assert in_force_on("2026-11-27").id == "us-2026-01"


def test_timeline_h20_china():
    t = timeline("nvidia-h20", "CN", until=__import__("datetime").date(2026, 11, 27))
    assert t.iloc[0]["date"] == "2022-08-26" and t.iloc[0]["outcome"] == "allowed"
    at = t.set_index("date")["outcome"]
    assert at["2025-04-09"] == "denied" and at["2025-08-11"] == "license"
    assert t["changed"].sum() >= 2


def test_hbm_stacks_are_3a090c_from_december_2024():
    from conftest import chip_csv

    from sim import parse_chips

    stacks = parse_chips(chip_csv({"chip_id": "hbm-mid", "item_type": "hbm", "memory_bw_density_gbps_mm2": 2.5},
                                  {"chip_id": "hbm-fast", "item_type": "hbm", "memory_bw_density_gbps_mm2": 4.0},
                                  {"chip_id": "hbm-slow", "item_type": "hbm", "memory_bw_density_gbps_mm2": 1.5}), name="t")
    v = evaluate("us-2024-12", table=stacks, destinations=["CN", "FR"]).set_index(["chip_id", "destination"])
    assert v.loc[("hbm-mid", "CN"), "exception"] == "HBM"
    assert v.loc[("hbm-fast", "CN"), "outcome"] == "denied" and v.loc[("hbm-fast", "CN"), "classification"] == "3A090.c"
    assert v.loc[("hbm-slow", "CN"), "outcome"] == "allowed"
    assert v.loc[("hbm-fast", "FR"), "outcome"] == "allowed"
    assert evaluate("us-2023-11", table=stacks, destinations=["CN"])["outcome"].eq("allowed").all()
