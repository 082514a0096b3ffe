"""The rules under debate: bills and proposals as overlays, thresholds relative to China's own chips, the
January 2026 conditions, the 2022/2023 is-informed letters and the importer's side. Each story names its
citation; the laws (a proposal never loosens what it extends; vectorised == scalar) are property tests."""

import datetime as dt
import json
import subprocess
import sys
from dataclasses import replace

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_rules_properties import PROBE_DEST, chip_rows, ranks, transactions

from sim import load_chips
from sim.api import diff, evaluate
from sim.engine.derived import resolve_derived
from sim.engine.metrics import compute_metrics
from sim.engine.vectorised import Context, outcome_matrix, verdicts
from sim.errors import ChipsimError
from sim.rules.scenario import all_presets, load_scenario

SAFE = "safe-chips-s3374"
PROPOSALS = [s.id for s in all_presets() if s.group == "proposed"]


def one(scenario, chip, dest, **kw):
    return evaluate(scenario, chips=[chip], destinations=[dest], **kw).iloc[0]


def metric(chip, name):
    table = load_chips()
    return float(compute_metrics(table.set_index("chip_id").loc[[chip]].reset_index()).iloc[0][name])


# ---------------------------------------------------------------------------------------------
# SAFE Chips Act (S.3374)

def test_safe_h20_is_under_every_prong():
    """S.3374's prongs: TPP 2,368 < 2,400 (with PD), DRAM 4,000 < 4,100, interconnect 900 < 1,100 (NVLink,
    host link excluded), DRAM + interconnect 4,900 < 5,000 — so the bill leaves the H20 where the rules in
    force put it."""
    s = load_scenario(SAFE)
    assert metric("nvidia-h20", "tpp") < s.value("SAFE.tpp_pd_a.tpp")
    assert metric("nvidia-h20", "dram_bw_gbps") < s.value("SAFE.dram")
    assert metric("nvidia-h20", "interconnect_bw_gbps") == 900 < s.value("SAFE.interconnect")
    assert metric("nvidia-h20", "dram_plus_interconnect_gbps") == 4900 < s.value("SAFE.dram_plus_interconnect")
    under_bill, today = one(SAFE, "nvidia-h20", "CN"), one("us-2026-01", "nvidia-h20", "CN")
    assert (under_bill["outcome"], under_bill["rule"]) == (today["outcome"], today["rule"]) == ("license", "h20-china-licensed")


def test_safe_h20_reading_all_io_crosses_the_sum_prong():
    """The named reading matters: with the host link counted (all-io), DRAM + I/O is 5,028 >= 5,000."""
    from sim.rules.conventions import MetricConventions

    v = evaluate(SAFE, chips=["nvidia-h20"], destinations=["CN"], conv=MetricConventions(interconnect="all-io")).iloc[0]
    assert v["outcome"] == "denied" and v["rule"] == "safe-dram-plus-interconnect"


def test_safe_h200_to_a_chinese_headquartered_buyer_in_germany_is_denied():
    """The rules in force already deny it (the Jan 2026 policy keeps D:5/Macau-headquartered buyers abroad
    under a presumption of denial); the bill's own chain denies it too, by its headquarters prong."""
    v = evaluate(SAFE, chips=["nvidia-h200-sxm"], destinations=["DE"], ctx=Context(hq="CN")).iloc[0]
    assert v["outcome"] == "denied"
    s = load_scenario(SAFE)
    bill_alone = replace(s, chains={"safe": s.chains["safe"]})
    table = load_chips()
    alone = verdicts(bill_alone, table[table["chip_id"] == "nvidia-h200-sxm"], destinations=["DE"], ctx=Context(hq="CN"))
    assert alone.iloc[0]["outcome"] == "denied" and alone.iloc[0]["rule"].startswith("safe-")
    assert "DRAM: DRAM 4,800 GB/s >= 4,100 GB/s" in alone.iloc[0]["reason"] and "not enacted" in alone.iloc[0]["citation"]
    assert one("us-2026-01", "nvidia-h200-sxm", "DE")["outcome"] == "allowed"  # a German buyer: no licence


def test_safe_a_gaming_gpu_not_designed_for_datacenters_is_excluded():
    table = load_chips().set_index("chip_id")
    assert not table.loc["nvidia-rtx-4090", "datacenter"]
    under_bill, today = one(SAFE, "nvidia-rtx-4090", "CN"), one("us-2026-01", "nvidia-rtx-4090", "CN")
    assert under_bill["outcome"] == today["outcome"] == "exception" and not under_bill["rule"].startswith("safe-")


def test_done_when_the_diff_lists_exactly_the_chips_newly_denied_with_their_prongs():
    changed, _ = diff("us-2026-01", SAFE, destinations=["CN"])
    before = evaluate("us-2026-01", destinations=["CN"]).set_index("chip_id")["outcome"]
    after = evaluate(SAFE, destinations=["CN"]).set_index("chip_id")
    newly = set(after.index[(after["outcome"] == "denied") & (before != "denied")])
    assert set(changed["chip_id"]) == newly and len(newly) > 20
    assert changed["rule_to"].str.startswith("safe-").all() and changed["caught_by_to"].ne("").all()
    h200 = changed.set_index("chip_id").loc["nvidia-h200-sxm"]
    assert "DRAM" in h200["caught_by_to"].split(" + ") and "TPP" in h200["caught_by_to"].split(" + ")
    run = subprocess.run([sys.executable, "-m", "sim", "diff", "--from", "us-2026-01", "--to", SAFE, "--dest", "CN"],
                         capture_output=True, text=True)
    assert run.returncode == 0 and "caught_by_to" in run.stdout and "NOT LAW" in run.stderr
    assert all(c in run.stdout for c in newly)


# ---------------------------------------------------------------------------------------------
# status travels with every verdict and export

@pytest.mark.parametrize("preset", PROPOSALS)
def test_a_proposal_is_never_confusable_with_law(preset):
    v = evaluate(preset, chips=["nvidia-h200-sxm"], destinations=["CN", "DE"])
    assert v["scenario_status"].str.contains("not law").all() and v["warning"].str.startswith("NOT LAW").all()
    run = subprocess.run([sys.executable, "-m", "sim", "evaluate", "--scenario", preset, "--chip", "nvidia-h200-sxm",
                          "--dest", "CN", "--format", "json"], capture_output=True, text=True)
    row = json.loads(run.stdout)[0]
    assert "not law" in row["scenario_status"] and "NOT LAW" in run.stderr


def test_a_variant_of_a_bill_still_says_it_is_one(tmp_path):
    f = tmp_path / "v.toml"
    f.write_text(f'id = "tighter-safe"\nextends = "{SAFE}"\n[parameters]\n"SAFE.dram" = 3000\n')
    v = evaluate(str(f), chips=["nvidia-h20"], destinations=["CN"]).iloc[0]
    assert "variant of safe-chips-s3374" in v["scenario_status"] and v["warning"].startswith("NOT LAW")


# ---------------------------------------------------------------------------------------------
# proposals as overlays never loosen what they extend

@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PROPOSALS), chip_rows(4), transactions())
def test_a_proposal_overlay_never_loosens_the_rules_it_extends(preset, chips, ctx):
    """Every bundled proposal adds a requirement or a condition; none replaces one, so no pair that both
    decide is looser under the proposal."""
    s = load_scenario(preset)
    table = pd.concat([load_chips(), chips], ignore_index=True)
    after = ranks(outcome_matrix(s, table, PROBE_DEST, ctx=ctx))
    before = ranks(outcome_matrix(load_scenario(s.extends), table, PROBE_DEST, ctx=ctx))
    both = before.notna() & after.notna()
    assert not (both & (after < before)).to_numpy().any()


# ---------------------------------------------------------------------------------------------
# Chip Security Act, GAIN AI Act, Remote Access Security Act

def test_chip_security_act_conditions_every_authorization_from_180_days_after_enactment():
    s = load_scenario("chip-security-hr3447").with_values({"CSA.enactment": "2026-06-01"})
    before = evaluate(s, chips=["nvidia-h200-sxm"], destinations=["DE"], as_of="2026-11-27").iloc[0]
    after = evaluate(s, chips=["nvidia-h200-sxm"], destinations=["DE"], as_of="2026-11-28").iloc[0]
    assert "location verification" not in before["conditions"] and "report to BIS" in before["conditions"]
    assert "location verification" in after["conditions"] and after["outcome"] == before["outcome"] == "allowed"
    denied = evaluate(s, chips=["nvidia-b200"], destinations=["CN"], as_of="2026-12-01").iloc[0]
    assert denied["outcome"] == "denied" and "location verification" not in denied["conditions"]


def test_gain_ai_certification_attaches_to_licences_only():
    h20 = one("gain-ai-s3150", "nvidia-h20", "CN")  # DRAM 4,000 >= GAIN's 1,400: covered
    assert h20["outcome"] == "license" and "GAIN AI Act" in h20["conditions"]
    assert "GAIN AI Act" not in one("gain-ai-s3150", "nvidia-h200-sxm", "DE")["conditions"]


def test_remote_access_is_refused_where_no_rule_adopts_it_and_evaluated_as_an_export_where_one_does():
    with pytest.raises(ChipsimError, match="does not regulate remote access"):
        evaluate("us-2026-01", chips=["nvidia-b200"], destinations=["CN"], ctx=Context(export="remote_access"))
    remote = evaluate("remote-access-hr2683", destinations=["CN", "DE", "AE"], ctx=Context(export="remote_access"))
    export = evaluate("us-2026-01", destinations=["CN", "DE", "AE"])
    assert (remote["outcome"].to_numpy() == export["outcome"].to_numpy()).all()


# ---------------------------------------------------------------------------------------------
# thresholds relative to China's own chips

def _chinese_chip(table, cid, fp8, since):
    row = table[table["chip_id"] == "huawei-ascend-910c"].iloc[[0]].copy()
    row["chip_id"], row["fp8_tflops"], row["fp16_bf16_tflops"], row["volume_production"] = cid, fp8, fp8 / 2, since
    row["volume_production_source"] = "test row"
    return pd.concat([table, row], ignore_index=True)


def test_the_relative_threshold_moves_when_a_chinese_chip_enters_volume_production():
    table = _chinese_chip(load_chips(), "test-cn-next", 2000.0, "2027-03-01")  # TPP 16,000 from March 2027
    s = load_scenario("moolenaar-2025-08")
    early = resolve_derived(s, table, dt.date(2027, 2, 28), force=True).parameters["RELATIVE.tpp"]
    late = resolve_derived(s, table, dt.date(2027, 3, 1), force=True).parameters["RELATIVE.tpp"]
    assert late.basis_chip == "test-cn-next" and late.value == 16000 and early.value < late.value
    # the H200 (TPP 15,832) sits between the two: denied before, not denied by this rule after
    h200 = [evaluate(s, chips=["nvidia-h200-sxm"], destinations=["CN"], as_of=d, table=table).iloc[0]
            for d in ("2027-02-28", "2027-03-01")]
    assert h200[0]["rule"] == "relative-above-china-best" and h200[1]["rule"] != "relative-above-china-best"


def test_a_chip_without_a_sourced_volume_production_date_never_sets_the_threshold():
    table = _chinese_chip(load_chips(), "test-cn-undated", 5000.0, "")
    p = resolve_derived(load_scenario("moolenaar-2025-08"), table, dt.date(2026, 12, 1), force=True).parameters["RELATIVE.tpp"]
    assert p.basis_chip != "test-cn-undated"


def test_a_sweep_over_the_margin_works_and_the_derived_value_cannot_be_swept():
    from sim.analysis.sweep import sweep

    result = sweep("moolenaar-2025-08", {"RELATIVE.margin": [0.0, 0.5, 1.0]}, destinations=["CN"])
    denied = result.sort_values("RELATIVE.margin")["denied"].to_numpy()
    assert denied[0] > denied[-1]  # a wider margin lets more through
    with pytest.raises(ChipsimError, match="sweep its margin RELATIVE.margin"):
        sweep("moolenaar-2025-08", {"RELATIVE.tpp": [1000.0]}, destinations=["CN"])


# ---------------------------------------------------------------------------------------------
# the January 2026 conditions, the 2022/2023 letters, the importer's side

def test_jan_2026_case_by_case_needs_us_availability_on_2026_01_15():
    """91 FR 1684 condition (a): the H800, a China-market SKU never sold in the US, keeps the presumption of
    denial; the H200, sold in the US since 2024, is reviewed case by case."""
    assert one("us-2026-01", "nvidia-h800-sxm", "CN")["rule"] == "rlp-2026-not-us-available"
    h200 = one("us-2026-01", "nvidia-h200-sxm", "CN")
    assert h200["rule"] == "rlp-2026-case-by-case" and "(f) China + Macau shipments" in h200["conditions"]


def test_a100_to_china_on_2022_09_15_needs_a_licence():
    """NVIDIA Form 8-K of 2022-08-31: the letter of 2022-08-26 requires a license for the A100 to China."""
    v = evaluate(None, chips=["nvidia-a100-sxm"], destinations=["CN"], as_of="2022-09-15").iloc[0]
    assert v["scenario"] == "us-2022-08-letters" and v["outcome"] == "license" and "8-K 2022-08-31" in v["citation"]
    assert one(None, "nvidia-a100-sxm", "FR", as_of="2022-09-15")["outcome"] == "allowed"


def test_h800_to_china_in_late_october_2023_was_caught_by_the_letter():
    """NVIDIA Form 8-K of 2023-10-24: the Oct 2023 requirements applied at once to the H800, which the 2022
    rule's I/O test (400 < 600 GB/s) did not catch."""
    assert one("us-2022-10", "nvidia-h800-sxm", "CN", as_of="2023-10-20")["outcome"] == "allowed"
    v = evaluate(None, chips=["nvidia-h800-sxm"], destinations=["CN"], as_of="2023-10-30").iloc[0]
    assert v["scenario"] == "us-2023-10-letters" and v["outcome"] == "denied" and "8-K 2023-10-24" in v["citation"]


def test_h200_to_china_on_2026_01_20_us_case_by_case_import_blocked():
    v = one("us-2026-01", "nvidia-h200-sxm", "CN", as_of="2026-01-20")
    assert v["outcome"] == "license" and v["review_policy"] == "case-by-case"
    assert v["import"] == "blocked" and "2026-01-14" in v["import_measures"]
    later = one("us-2026-01", "nvidia-h200-sxm", "CN", as_of="2026-02-01")
    assert later["import"] == "approved for named buyers" and later["outcome"] == "license"


def test_the_import_column_never_touches_the_us_outcome_and_stops_at_hong_kong():
    v = evaluate("us-2026-01", destinations=["CN", "HK", "MY"], as_of="2026-01-20")
    bare = outcome_matrix(load_scenario("us-2026-01"), load_chips(), ["CN", "HK", "MY"], as_of="2026-01-20")
    assert (v["outcome"].to_numpy() == bare.to_numpy().reshape(-1)).all()
    assert (v.loc[v["destination"] == "HK", "import"] == "open").all()
    my = v[(v["destination"] == "MY") & (v["chip_id"] == "nvidia-h200-sxm")].iloc[0]
    assert my["import"] == "open" and "Strategic Trade Permit" in my["import_measures"]


# ---------------------------------------------------------------------------------------------
# the app (AppTest): the picker groups, one click compares a bill with today's rules, the import side shows

def test_the_rule_picker_lists_enacted_rules_then_proposals_marked_not_law():
    from conftest import run_app

    at = run_app()
    options = at.sidebar.selectbox(key="scenario_choice").options
    groups = [o.split(" · ")[0] for o in options[1:]]
    assert groups == sorted(groups, key=lambda g: g.startswith("PROPOSED"))  # enacted first, then proposals
    assert sum(g == "PROPOSED, not law" for g in groups) == len(PROPOSALS)


def test_one_click_compares_the_bill_with_the_rules_it_extends_and_shows_what_the_diff_shows():
    from conftest import run_app

    at = run_app(scenario=SAFE, chip="nvidia-h200-sxm", dest="CN")
    at.sidebar.button(key="cmp_bill").click().run()
    assert at.sidebar.radio(key="screen").value == "Compare" and not at.exception
    at.selectbox(key="cmp_dests").set_value("One country (choose it on the right)").run()
    table = next(d.value for d in at.dataframe if "why looser" in d.value.columns)
    changed, _ = diff("us-2026-01", SAFE, destinations=["CN"])
    assert set(table["chip_id"]) == set(changed["chip_id"])
    prongs = dict(zip(changed["chip_id"], changed["caught_by_to"]))
    assert all(prongs[c] == p for c, p in zip(table["chip_id"], table["caught by (to)"]))  # the same prongs


def test_the_matrix_and_the_card_show_the_import_side_when_it_is_not_open():
    from conftest import run_app

    at = run_app(scenario="us-2026-01", chip="nvidia-h200-sxm", dest="CN", as_of="2026-01-20")
    table = at.dataframe[0].value
    assert table.loc["nvidia-h200-sxm", "import into CN"] == "blocked"
    card = next(m.value for m in at.markdown if "→" in m.value and "<b>" in m.value)
    assert "Import side" in card and "<b>blocked</b>" in card and "LICENSE" in card
