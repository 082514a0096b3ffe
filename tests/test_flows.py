"""Compute flows: shipments evaluated as enacted and under counterfactual rules, totals drawn, never added.

Public stories come from Epoch AI's shipment estimates (bundled, MIT): China's A100 purchases stop at the
2022 rule, A800/H800 at the 2023 rule, the H20 at the April 2025 letters.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sim import load_chips, with_metrics
from sim.analysis.flows import PASSED, FlowOptions, blocked, passed_draws, run_flows, split_periods, summarise
from sim.analysis.volume_draws import Z95, normal_scores, two_piece_lognormal
from sim.data.volumes import load_volumes
from sim.errors import ChipsimError

FAST = FlowOptions(draws=400)
# the first day each chip needed a licence to China: the is-informed letters of 2022-08-26 (A100) and
# 2023-10-23 (A800, H800, named in NVIDIA's 8-K), the April 2025 letters (H20)
RULE_DAYS = {"nvidia-a100-sxm": dt.date(2022, 8, 26), "nvidia-a800-sxm": dt.date(2023, 10, 23),
             "nvidia-h800-sxm": dt.date(2023, 10, 23), "nvidia-h20": dt.date(2025, 4, 9)}


@pytest.fixture(scope="module")
def volumes():
    return load_volumes()


@pytest.fixture(scope="module")
def china(volumes):
    return volumes[volumes["owner"] == "China"].reset_index(drop=True)


@pytest.fixture(scope="module")
def enacted(china):
    return run_flows(china, options=FAST)


@pytest.fixture(scope="module")
def enacted_precise(china):
    """Enough draws that a sample median sits within 0.5 % of the true one."""
    return run_flows(china, options=FlowOptions(draws=8000))


def test_china_buys_each_chip_until_its_rule(china):
    """The data's own story: no China series has a quarter starting more than a quarter after its rule."""
    for chip, day in RULE_DAYS.items():
        rows = china[china["chip_id"] == chip]
        assert not rows.empty, chip
        assert rows["period_start"].max().date() < day + dt.timedelta(days=92), chip
        if chip != "nvidia-a100-sxm":  # the A100 stopped one week before the rule's effective date
            holding = (rows["period_start"].dt.date <= day) & (rows["period_end"].dt.date >= day)
            assert holding.any(), (chip, day)


def test_as_enacted_nothing_outside_a_straddling_period_is_denied(enacted):
    parts = enacted.parts
    assert not parts.loc[~parts["straddles"], "outcome"].isin(["denied", "license"]).any()
    for chip, day in RULE_DAYS.items():
        rows = parts[parts["chip_id"] == chip]
        holding = (rows["period_start"] <= np.datetime64(day)) & (rows["period_end"] >= np.datetime64(day))
        if holding.any():  # the period holding the rule date is split and flagged, its later part refused
            assert rows.loc[holding, "straddles"].all(), chip
            later = rows[holding & (rows["part_start"] >= np.datetime64(day))]
            assert not later["outcome"].isin(PASSED).any(), chip


def test_a_shipment_after_its_rule_is_not_allowed(china):
    """Were Epoch to report an A100 to China in 2023, the engine would not call it allowed."""
    row = china[china["chip_id"] == "nvidia-a100-sxm"].iloc[[0]].copy()
    row["period_start"], row["period_end"] = pd.Timestamp("2023-01-01"), pd.Timestamp("2023-03-31")
    run = run_flows(row.reset_index(drop=True), options=FAST)
    assert not run.parts["outcome"].isin(PASSED).any()


def test_pre_rule_shipments_name_that_no_rule_was_in_force(enacted):
    """Before the first letter (2022-08-26) an A100 to China was free, and the part says no chip rule was in
    force; from that day the letter's licence requirement decides (NVIDIA 8-K 2022-08-31)."""
    a100 = enacted.parts[enacted.parts["chip_id"] == "nvidia-a100-sxm"]
    before = a100[a100["part_end"] < np.datetime64(RULE_DAYS["nvidia-a100-sxm"])]
    assert len(before) and (before["outcome"] == "allowed").all() and before["rules"].str.startswith("before 3A090").all()
    after = a100[a100["part_start"] >= np.datetime64(RULE_DAYS["nvidia-a100-sxm"])]
    assert len(after) and (after["outcome"] == "license").all()


def test_before_3a090_an_embargoed_destination_is_still_refused(china):
    """Part 746 predates 3A090: an A100 to Iran in 2022 was not free, whatever the chip rules said."""
    row = china[china["chip_id"] == "nvidia-a100-sxm"].iloc[[0]].copy()
    row["destination"], row["hq"], row["owner"] = "IR", "IR", "Iran"
    run = run_flows(row.reset_index(drop=True), options=FAST)
    assert run.parts["outcome"].eq("denied").all() and run.parts["rules"].str.startswith("before 3A090").all()


def _median_total(run, chip):
    rows = (run.parts["chip_id"] == chip).to_numpy()
    return float(np.median(np.nan_to_num(run.h100e[rows]).sum(axis=0)))


@pytest.mark.parametrize("chip", ["nvidia-a100-sxm", "nvidia-a800-sxm", "nvidia-h800-sxm", "nvidia-h20"])
def test_h100e_from_chipsim_metrics_match_epoch_within_one_percent(china, enacted_precise, chip):
    epoch = china.loc[china["chip_id"] == chip, "h100e_p50"].sum()  # quarters move together: medians add
    assert _median_total(enacted_precise, chip) == pytest.approx(epoch, rel=0.01)


def test_h100e_conventions_agree_except_where_epoch_takes_another_precision(volumes):
    """Per unit: chipsim's TPP/TPP(H100 SXM) equals Epoch's dense-8-bit factor, but for B200/B300."""
    metrics = with_metrics(load_chips()).set_index("chip_id")["h100e"]
    own = (volumes["h100e_p50"] / volumes["units_p50"]).groupby(volumes["chip_id"]).median()
    ratio = metrics.reindex(own.index) / own
    agree = ratio.drop(["nvidia-b200", "nvidia-b300"])
    assert ((agree - 1).abs() < 0.01).all(), agree
    assert ratio["nvidia-b200"] == pytest.approx(4500 / 5000, rel=0.01)  # datasheet 4.5 PF dense FP8, Epoch 5.0
    assert ratio["nvidia-b300"] > 1.2  # chipsim's TPP counts the FP6 rate; Epoch counts 8-bit


def test_source_basis_reproduces_epoch_for_every_chip(volumes):
    us = volumes[volumes["owner"] == "Microsoft"].reset_index(drop=True)
    run = run_flows(us, options=FlowOptions(draws=8000, h100e_basis="source"))
    for chip in us["chip_id"].unique():
        epoch = us.loc[us["chip_id"] == chip, "h100e_p50"].sum()
        assert _median_total(run, chip) == pytest.approx(epoch, rel=0.01), chip


def test_counterfactual_2023_rule_from_2022_stops_a100_a800_h800(china, enacted):
    run = run_flows(china, "us-2023-11", options=FAST)
    for chip in ("nvidia-a100-sxm", "nvidia-a800-sxm", "nvidia-h800-sxm"):
        before = enacted.parts[enacted.parts["chip_id"] == chip]
        after = run.parts[run.parts["chip_id"] == chip]
        assert before["outcome"].isin(PASSED).any() and not after["outcome"].isin(PASSED).any(), chip
    d = blocked(enacted, run)
    assert 0 < d["p5"] <= d["p50"] <= d["p95"]
    assert d["per_chip"]["nvidia-h800-sxm"] > d["per_chip"]["nvidia-a100-sxm"] > 0


def test_counterfactual_letters_from_2024_stop_the_h20(china, enacted):
    run = run_flows(china, "us-2025-04-h20", options=FAST)
    h20 = run.parts[run.parts["chip_id"] == "nvidia-h20"]
    assert not h20["outcome"].isin(PASSED).any()
    assert blocked(enacted, run)["per_chip"]["nvidia-h20"] > 0


def test_an_edit_moves_the_numbers(china):
    """Raising 3A090.a's TPP above the H800's lets it pass under the 2023 rule: less is stopped."""
    base = run_flows(china, "us-2023-11", options=FAST)
    from sim.api import resolve_scenario

    edited = resolve_scenario("us-2023-11", overrides={"3A090.a.1.tpp": 20000, "3A090.a.2.tpp": 20000})
    loose = run_flows(china, edited, options=FAST)
    assert passed_draws(loose).mean() > passed_draws(base).mean()
    assert "3A090.a.1.tpp=20000" in loose.label


def test_bands_bracket_medians_and_a_seed_reproduces(enacted, china):
    out = summarise(enacted, "chip")
    for m in ("units", "h100e"):
        assert (out[f"{m}_p5"] <= out[f"{m}_p50"]).all() and (out[f"{m}_p50"] <= out[f"{m}_p95"]).all()
    again = summarise(run_flows(china, options=FAST), "chip")
    pd.testing.assert_frame_equal(out, again)
    other = summarise(run_flows(china, options=FlowOptions(draws=400, seed=1)), "chip")
    assert not np.allclose(out["h100e_p95"], other["h100e_p95"])


def _total_and_parts(china, series, cross):
    run = run_flows(china, options=FlowOptions(draws=4000, series_correlation=series, cross_correlation=cross))
    per_shipment = pd.DataFrame(run.h100e).groupby(run.parts["shipment"].to_numpy()).sum().to_numpy()
    total = per_shipment.sum(axis=0)
    q = lambda a, p: np.percentile(a, p, axis=-1)  # noqa: E731
    return q(total, 5), q(total, 95), q(per_shipment, 5).sum(), q(per_shipment, 95).sum()


def test_total_band_narrower_than_summed_bands_under_independence(china):
    lo, hi, lo_sum, hi_sum = _total_and_parts(china, 0.0, 0.0)
    assert hi - lo < 0.8 * (hi_sum - lo_sum)


def test_total_band_equals_summed_bands_under_full_correlation(china):
    lo, hi, lo_sum, hi_sum = _total_and_parts(china, 1.0, 1.0)
    assert lo == pytest.approx(lo_sum, rel=1e-9) and hi == pytest.approx(hi_sum, rel=1e-9)


def test_default_correlation_reproduces_epochs_published_total_band(china):
    """Epoch's nvidia_owners_cumulative_totals.csv: China through Q1 2026, 324,871-496,849 H100e (p5-p95)."""
    run = run_flows(china, options=FlowOptions(draws=20000, h100e_basis="source", seed=3))
    total = np.nan_to_num(run.h100e).sum(axis=0)
    lo, hi = np.percentile(total, [5, 95])
    assert lo == pytest.approx(324_871, rel=0.02) and hi == pytest.approx(496_849, rel=0.02)


def test_draws_reproduce_the_source_percentiles():
    p5, p50, p95 = np.array([10.0, 0.0, 5.0]), np.array([20.0, 4.0, 5.0]), np.array([60.0, 9.0, 5.0])
    z = normal_scores(np.array(["a", "b", "c"]), 40000, seed=2, series_correlation=0, cross_correlation=0)
    x = two_piece_lognormal(p5, p50, p95, z)
    got = np.percentile(x, [5, 50, 95], axis=1).T
    assert np.allclose(got[:2], np.stack([p5, p50, p95], 1)[:2], rtol=0.03, atol=0.05)
    assert (x >= 0).all() and np.all(x[2] == 5.0)
    assert Z95 == pytest.approx(1.6448536, rel=1e-7)


def test_bad_correlations_and_options_are_refused():
    with pytest.raises(ChipsimError, match="cross"):
        normal_scores(np.array(["a"]), 10, series_correlation=0.2, cross_correlation=0.5)
    for bad in ({"straddle": "middle"}, {"h100e_basis": "fp16"}, {"approval_share": 1.5}):
        with pytest.raises(ChipsimError):
            FlowOptions(**bad)


def test_split_periods_cuts_at_rule_days_by_days():
    day = lambda s: np.datetime64(s, "D")  # noqa: E731
    row, start, end = split_periods(np.array([day("2023-10-01"), day("2024-01-01")]),
                                    np.array([day("2023-12-31"), day("2024-03-31")]), np.array([day("2023-11-17")]))
    assert row.tolist() == [0, 0, 1]
    assert [str(s) for s in start] == ["2023-10-01", "2023-11-17", "2024-01-01"]
    assert [str(e) for e in end] == ["2023-11-16", "2023-12-31", "2024-03-31"]


@pytest.mark.parametrize("rule", ["start", "end"])
def test_other_straddle_rules_keep_a_period_whole_and_still_flag_it(china, rule):
    run = run_flows(china, options=FlowOptions(draws=200, straddle=rule))
    assert (run.parts["share"] == 1).all()
    q4 = run.parts[(run.parts["chip_id"] == "nvidia-h800-sxm") & (run.parts["period_start"] == np.datetime64("2023-10-01"))]
    assert q4["straddles"].all()
    assert q4["outcome"].iloc[0] == ("allowed" if rule == "start" else "denied")


def test_through_counts_a_cut_period_pro_rata(china):
    full = run_flows(china, options=FAST)
    cut = run_flows(china, options=FlowOptions(draws=400, through=dt.date(2023, 11, 16)))
    assert cut.parts["part_end"].max() == np.datetime64("2023-11-16")
    assert not cut.parts["chip_id"].eq("nvidia-h20").any()
    assert np.median(cut.units.sum(0)) < np.median(full.units.sum(0))


def test_approval_share_turns_licences_into_expected_shipments(china):
    options = FlowOptions(draws=400, approval_share=0.0)
    out = summarise(run_flows(china, options=options), "outcome")
    expected = out[out["outcome"] == "expected shipped"]
    assert len(expected) == 1
    assert expected["h100e_p50"].iloc[0] == pytest.approx(np.median(passed_draws(run_flows(china, options=options))))


def test_revenue_only_where_a_price_exists(enacted):
    out = summarise(enacted, "chip")
    a800 = out[out["chip_id"] == "nvidia-a800-sxm"]
    assert a800["revenue_p50"].isna().all() and (a800["revenue_covers"] == 0).all()
    h20 = out[(out["chip_id"] == "nvidia-h20") & (out["outcome"] == "allowed")]
    assert h20["revenue_p50"].iloc[0] > 0 and h20["revenue_covers"].iloc[0] == pytest.approx(1)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, timeout=120)


def test_cli_flows_prints_what_the_2023_rule_would_have_stopped():
    r = _cli("flows", "--owner", "China", "--scenario", "us-2023-11", "--by", "outcome", "--draws", "300")
    assert r.returncode == 0, r.stderr
    assert "Under us-2023-11" in r.stdout and "would have needed a licence or been refused" in r.stdout
    assert "Epoch AI ai-chip-counts" in r.stdout and "300 draws" in r.stdout


def test_cli_flows_csv_has_the_contract_columns_and_provenance(tmp_path):
    out = tmp_path / "f.csv"
    r = _cli("flows", "--owner", "china", "--by", "shipment", "--draws", "200", "--format", "csv", "--out", str(out))
    assert r.returncode == 0, r.stderr
    frame = pd.read_csv(out)
    for col in ("owner", "chip_id", "period_start", "period_end", "outcome", "units_p5", "units_p50", "units_p95",
                "h100e_p5", "h100e_p50", "h100e_p95", "straddles", "basis", "volume_source", "volume_vintage"):
        assert col in frame, col
    assert (frame["basis"] == "as enacted").all() and (frame["volume_vintage"] == "2026-04-15").all()


def test_cli_flows_refuses_bad_input_without_a_traceback(tmp_path):
    bad = tmp_path / "v.csv"
    bad.write_text("owner,chip_id\nChina,nvidia-h20\n", encoding="utf-8")
    for args in (["--volumes", str(bad)], ["--owner", "Chna"], ["--set", "3A090.a.1.tpp=1"], ["--cross-correlation", "2"]):
        r = _cli("flows", *args, "--draws", "50")
        assert r.returncode == 2 and "Traceback" not in r.stderr, (args, r.stderr)
        assert r.stderr.strip(), args
    r = _cli("flows", "--volumes", str(bad))
    assert "v.csv" in r.stderr and "expected" in r.stderr


# ---------------------------------------------------------------------------------------------
# forward volumes and the volume cap of 91 FR 1684 (China <= 50 % of US end-use shipments)

def _forward(china=(200_000, 400_000, 800_000), us=(600_000, 900_000, 1_300_000), us_chip="nvidia-h200-sxm"):
    from sim.data.volumes import parse_volumes

    head = "source,vintage,owner,destination,hq,chip_id,period_start,period_end,units_p5,units_p50,units_p95\n"
    rows = [f"test,2026-12-01,China,CN,CN,nvidia-h200-sxm,2026-01-15,2026-12-31,{china[0]},{china[1]},{china[2]}"]
    if us:
        rows.append(f"test,2026-12-01,US users,US,US,{us_chip},2026-01-01,2026-12-31,{us[0]},{us[1]},{us[2]}")
    return parse_volumes(head + "\n".join(rows) + "\n", "forward.csv")


def test_the_us_share_cap_moves_units_above_it_to_denied_and_conserves_them():
    vols = _forward()
    run = run_flows(vols, "us-2026-01", owner="China", options=FAST)
    lic, over = run.parts["outcome"].eq("license").to_numpy(), run.parts["over_cap"].to_numpy()
    assert run.parts.loc[over, "rule"].eq("rlp-2026-us-share").all() and run.parts.loc[over, "outcome"].eq("denied").all()
    drawn = run_flows(vols, None, owner="China", options=FlowOptions(draws=400, approval_share=None))
    assert np.allclose(run.units[lic].sum(0) + run.units[over].sum(0), drawn.units.sum(0))  # nothing lost or made
    us = run_flows(vols, None, owner="US users", options=FAST).units.sum(0) * (351 / 365)  # the overlapping days
    assert np.all(run.units[lic].sum(0) <= 0.5 * us + 1e-6)
    binds = run.parts.loc[lic, "cap_binds"].iloc[0]
    assert 0 < binds < 1 and binds == pytest.approx(np.mean(drawn.units.sum(0) > 0.5 * us + 1e-9))


def test_tightening_the_cap_never_lets_more_through():
    from sim.api import resolve_scenario

    vols = _forward()
    licensed = []
    for share in (1.0, 0.5, 0.25, 0.0):
        s = resolve_scenario("us-2026-01", overrides={"RLP.us_share_cap": share})
        run = run_flows(vols, s, owner="China", options=FAST)
        licensed.append(run.units[run.parts["outcome"].eq("license").to_numpy()].sum(0))
    for looser, tighter in zip(licensed, licensed[1:]):
        assert np.all(tighter <= looser + 1e-9)


def test_a_cap_without_us_volumes_is_not_evaluated_and_says_so():
    run = run_flows(_forward(us=None), "us-2026-01", owner="China", options=FAST)
    assert not run.parts["over_cap"].any() and run.parts["outcome"].eq("license").all()
    assert any("not evaluated" in n and "nvidia-h200-sxm" in n for n in run.notes)
    other_chip = run_flows(_forward(us_chip="nvidia-h100-sxm"), "us-2026-01", owner="China", options=FAST)
    assert not other_chip.parts["over_cap"].any()  # another product's US shipments set no cap for this one


def test_as_enacted_the_cap_applies_from_the_rule_in_force():
    run = run_flows(_forward(), None, owner="China", options=FAST)
    assert run.parts["over_cap"].any()


# ---------------------------------------------------------------------------------------------
# the compute balance

@pytest.fixture(scope="module")
def balances(volumes):
    from sim.analysis.balance import balance

    return balance(volumes, None, options=FAST), balance(volumes, "us-2025-04-h20", options=FAST)


def test_balance_counts_full_us_years_and_domestic_only_where_sourced(balances):
    enacted, _ = balances
    assert enacted["year"].tolist() == [2022, 2023, 2024, 2025]  # Epoch's US owners stop in Q1 2026
    assert enacted.loc[enacted["year"] < 2024, "china_domestic_h100e_p50"].isna().all()
    assert enacted.loc[enacted["year"] >= 2024, "china_to_us_ratio_p50"].gt(0).all()
    for col in ("china_imports_h100e", "us_owners_h100e", "china_to_us_ratio"):
        known = enacted.dropna(subset=[f"{col}_p50"])
        assert (known[f"{col}_p5"] <= known[f"{col}_p50"]).all() and (known[f"{col}_p50"] <= known[f"{col}_p95"]).all()


def test_a_stricter_rule_never_raises_chinas_share(balances):
    enacted, letters = balances
    a, b = enacted.set_index("year"), letters.set_index("year")
    assert (b["china_imports_h100e_p50"] <= a["china_imports_h100e_p50"] + 1e-6).all()
    assert b.loc[2024, "china_to_us_ratio_p50"] < a.loc[2024, "china_to_us_ratio_p50"]


def test_domestic_draws_stay_inside_their_sourced_envelopes(bundled):
    from sim.analysis.balance import domestic_draws
    from sim.data.domestic import load_envelope, load_estimates

    env = load_envelope()
    draws = domestic_draws(env, load_chips(), 2000, 0)
    h = bundled["h100e"]
    for year, rows in env.groupby("year"):
        lo = (rows["units_low"] * h.reindex(rows["chip_low"]).to_numpy()).sum()
        hi = (rows["units_high"] * h.reindex(rows["chip_high"]).to_numpy()).sum()
        assert lo - 1e-6 <= draws.loc[year].min() and draws.loc[year].max() <= hi + 1e-6
    ids = set(load_estimates()["estimate_id"])
    cited = {i.strip() for r in env["rests_on"] for i in r.split(";")}
    assert cited <= ids  # every envelope names estimates that are bundled with their source and quote
    est = load_estimates()
    assert est["grade"].isin(["P", "S", "W"]).all() and (est["url"].str.startswith("https://")).all()


@pytest.mark.parametrize("row, column, needle", [
    ("2025,Huawei,300,200,huawei-ascend-910b,huawei-ascend-910c,S,x,", "units_high", "at least units_low"),
    ("2025,Huawei,100,200,huawei-ascend-91,huawei-ascend-910c,S,x,", "chip_low", "chip_id"),
    ("2025,Huawei,100,200,huawei-ascend-910b,huawei-ascend-910c,X,x,", "grade", "one of P, S, W"),
])
def test_a_bad_domestic_envelope_names_row_column_and_expectation(row, column, needle):
    from sim.data.domestic import parse_envelope
    from sim.errors import ValidationError

    head = "year,producer,units_low,units_high,chip_low,chip_high,grade,rests_on,note\n"
    with pytest.raises(ValidationError) as err:
        parse_envelope(head + row + "\n", "env.csv")
    text = str(err.value)
    assert "env.csv:2" in text and "row 1" in text and column in text and needle in text


def test_cli_balance_and_forward_file(tmp_path):
    r = _cli("flows", "--balance", "--draws", "200")
    assert r.returncode == 0, r.stderr
    assert "2025" in r.stdout and "10%" in r.stdout and "china_to_us_ratio_p50" in r.stdout
    path = tmp_path / "fwd.csv"
    from sim.data.volumes import table_to_csv_text

    path.write_text(table_to_csv_text(_forward()), encoding="utf-8")
    r = _cli("flows", "--volumes", str(path), "--owner", "China", "--scenario", "us-2026-01", "--by", "chip",
             "--draws", "300", "--format", "csv")
    assert r.returncode == 0, r.stderr
    frame = pd.read_csv(__import__("io").StringIO(r.stdout))
    assert set(frame["outcome"]) == {"license", "denied"} and frame["cap_binds"].between(0, 1).all()


def test_a_chinese_owned_buyer_abroad_meets_the_hq_rule():
    """The 2026 HQ rule: a D:5-headquartered end user outside China keeps the presumption of denial."""
    from sim.data.volumes import parse_volumes

    head = "source,vintage,owner,destination,hq,chip_id,period_start,period_end,units_p5,units_p50,units_p95\n"
    text = head + ("test,2026-12-01,Chinese cloud in Malaysia,MY,CN,nvidia-h200-sxm,2026-03-01,2026-03-31,10,20,40\n"
                   "test,2026-12-01,Malaysian cloud,MY,MY,nvidia-h200-sxm,2026-03-01,2026-03-31,10,20,40\n")
    run = run_flows(parse_volumes(text, "hq.csv"), None, options=FAST)
    outcome = dict(zip(run.parts["owner"], run.parts["outcome"]))
    assert outcome["Chinese cloud in Malaysia"] == "denied" and outcome["Malaysian cloud"] in PASSED


def test_the_ai_diffusion_country_allocation_binds_in_date_order(bundled):
    """90 FR 4544: licensed 3A090.a TPP to a Tier 2 country counts against its 2025-2027 allocation."""
    from sim.api import resolve_scenario
    from sim.data.volumes import parse_volumes

    head = "source,vintage,owner,destination,hq,chip_id,period_start,period_end,units_p5,units_p50,units_p95\n"
    text = head + ("test,2026-12-01,Brazil,BR,BR,nvidia-h100-sxm,2025-01-01,2025-03-31,,30000,\n"
                   "test,2026-12-01,Brazil,BR,BR,nvidia-h100-sxm,2025-04-01,2025-06-30,,40000,\n")
    s = resolve_scenario("us-2025-01-aid")
    run = run_flows(parse_volumes(text, "br.csv"), s, options=FlowOptions(draws=50))
    tpp = bundled.loc["nvidia-h100-sxm", "tpp"]
    room = s.value("AID.tier2.country_tpp") - 30000 * tpp
    licensed = run.parts["outcome"].eq("license").to_numpy()
    q2 = licensed & (run.parts["period_start"] == np.datetime64("2025-04-01")).to_numpy()
    assert run.units[licensed & ~q2][:, 0].sum() == pytest.approx(30000)
    assert run.units[q2][:, 0].sum() == pytest.approx(room / tpp)
    over = run.parts["over_cap"].to_numpy()
    assert run.parts.loc[over, "rule"].eq("aid-tier2-allocation").all()
    assert run.units[over][:, 0].sum() == pytest.approx(70000 - 30000 - room / tpp)


def test_a_small_consignee_keeps_the_lpp_exception_a_large_one_does_not():
    """Each volumes row is one consignee's purchase: AI Diffusion's LPP reads its size."""
    from sim.data.volumes import parse_volumes

    head = "source,vintage,owner,destination,hq,chip_id,period_start,period_end,units_p5,units_p50,units_p95\n"
    text = head + ("test,2026-12-01,small lab,BR,BR,nvidia-h100-sxm,2025-01-01,2025-03-31,,100,\n"
                   "test,2026-12-01,big cloud,BR,BR,nvidia-h100-sxm,2025-01-01,2025-03-31,,30000,\n")
    run = run_flows(parse_volumes(text, "lpp.csv"), "us-2025-01-aid", options=FlowOptions(draws=20))
    first = run.parts.drop_duplicates("owner").set_index("owner")
    assert first.loc["small lab", "outcome"] == "exception" and first.loc["small lab", "rule"] == "aid-lpp"
    assert first.loc["big cloud", "outcome"] == "license"
