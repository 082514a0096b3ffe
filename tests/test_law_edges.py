"""The law just off the main road, as public-story tests: embargoes (Part 746), end-user screening
(Part 744), the January 2026 headquarters rule, the reach of the April 2025 letters, named items,
a sale inside the US, and presets evaluated outside their period. Each names its citation."""

import subprocess
import sys

import pytest
from conftest import chip_csv

from sim import parse_chips
from sim.api import evaluate, explain
from sim.engine.vectorised import Context
from sim.rules.conventions import MetricConventions
from sim.rules.scenario import load_scenario, period_warning


def verdict(scenario, chip, dest, **kw):
    return evaluate(scenario, chips=[chip], destinations=[dest], **kw).iloc[0]


def synthetic(**fields):
    """One chip below every 3A090 threshold (TPP 800), with the facts a test is about."""
    row = {"chip_id": "x", "fp16_bf16_tflops": 50, "die_area_mm2": 300, "non_planar": "true",
           "dram_bw_gbps": 300, "io_bw_gbps": 64, **fields}
    table = parse_chips(chip_csv(row), name="synthetic")
    table["chip_id"] = fields.get("chip_id", "x")
    return table


def one(table, scenario, dest, **kw):
    return evaluate(scenario, table=table, destinations=[dest], **kw).iloc[0]


# ---- Part 746 embargoes --------------------------------------------------------------------------

@pytest.mark.parametrize("chip, dest, rule, cite", [
    ("nvidia-l20", "IR", "iran-embargo", "746.7"),
    ("nvidia-t4", "KP", "north-korea-embargo", "746.4"),
    ("nvidia-a10", "CU", "cuba-embargo", "746.2"),
    ("nvidia-rtx-4090-d", "RU", "russia-belarus-hts", "746.8"),
    ("nvidia-rtx-4090-d", "BY", "russia-belarus-hts", "746.8"),
    ("nvidia-l20", "UA-43", "crimea-embargo", "746.6(a)(1)"),
    ("nvidia-l20", "UA-DPR", "covered-regions-embargo", "746.6(a)(2)"),
])
def test_chips_below_3a090_are_denied_to_embargoed_destinations(chip, dest, rule, cite):
    v = verdict("us-2026-01", chip, dest)
    assert (v["outcome"], v["rule"]) == ("denied", rule)
    assert cite in v["citation"]


def test_iran_cites_the_ofac_ban_too():
    assert "560.204" in verdict("us-2026-01", "nvidia-l20", "IR")["citation"]


def test_embargo_is_named_ahead_of_3a090_when_both_deny():
    v = verdict("us-2026-01", "nvidia-h100-sxm", "IR")
    assert v["rule"] == "iran-embargo" and v["classification"] == "3A090.a"


def test_syria_before_and_after_the_easing_of_2025_09_02():
    ear99 = synthetic(eccn_below_3a090="EAR99")
    assert one(ear99, "us-2025-04-h20", "SY", as_of="2025-09-01")["rule"] == "syria-embargo"
    after = one(ear99, "us-2025-04-h20", "SY", as_of="2025-09-02")
    assert (after["outcome"], after["exception"]) == ("exception", "SPP") and "740.5" in after["citation"]
    ccl = one(synthetic(eccn_below_3a090="3A991.p"), "us-2026-01", "SY")
    assert ccl["outcome"] == "license" and ccl["review_policy"].startswith("presumption of approval")
    assert "746.9" in ccl["citation"]
    # a 3A090 chip: Syria is in D:5, so the 3A090 presumption of denial is stricter
    assert verdict("us-2026-01", "nvidia-h100-sxm", "SY")["outcome"] == "denied"


def test_syria_needs_the_eccn_and_says_so_when_it_is_missing():
    v = one(synthetic(eccn_below_3a090=""), "us-2026-01", "SY")
    assert v["outcome"] == "indeterminate" and "eccn_below_3a090" in v["reason"]
    # where the ECCN does not matter (Iran), the missing ECCN leaves no gap
    assert one(synthetic(eccn_below_3a090=""), "us-2026-01", "IR")["outcome"] == "denied"


def test_spp_is_not_usable_with_an_entity_list_party():
    v = one(synthetic(eccn_below_3a090="EAR99"), "us-2026-01", "SY", ctx=Context(entity_list="listed"))
    assert v["outcome"] == "denied"


def test_cuba_consumer_graphics_card_designated_ear99_uses_ccd():
    v = one(synthetic(eccn_below_3a090="EAR99", segment="consumer", datacenter="false"), "us-2026-01", "CU")
    assert (v["outcome"], v["exception"]) == ("exception", "CCD") and "740.19" in v["citation"]
    assert "government" in v["conditions"]
    datacenter = one(synthetic(eccn_below_3a090="EAR99"), "us-2026-01", "CU")
    assert datacenter["outcome"] == "denied"


def test_russia_mass_market_carve_out_is_a_condition_not_a_pass():
    v = one(synthetic(eccn_below_3a090="5A992.c"), "us-2026-01", "RU")
    assert v["outcome"] == "denied" and "wholly-owned US subsidiaries" in v["conditions"]


def test_russia_before_2023_05_19_flags_the_uncertain_hts_coverage():
    v = one(synthetic(eccn_below_3a090="EAR99"), "us-2022-10", "RU", as_of="2023-01-10")
    assert v["outcome"] == "denied" and v["rule"] == "russia-hts-2022" and "UNCERTAIN" in v["citation"]


# ---- Part 744 end-user screening -----------------------------------------------------------------

def test_entity_list_party_needs_a_license_for_every_item_anywhere():
    v = verdict("us-2026-01", "nvidia-t4", "FR", ctx=Context(entity_list="listed"))
    assert (v["outcome"], v["rule"]) == ("denied", "entity-list") and "744.11" in v["citation"]
    fn3 = verdict("us-2026-01", "nvidia-t4", "FR", ctx=Context(entity_list="fn3"))
    assert fn3["review_policy"] == "policy of denial in all cases"


def test_military_end_use_in_china_reaches_supp2_items_not_ear99():
    mil = Context(military_end_use=True)
    assert one(synthetic(eccn_below_3a090="5A992.c"), "us-2026-01", "CN", ctx=mil)["rule"] == "military-end-use"
    assert one(synthetic(eccn_below_3a090="EAR99"), "us-2026-01", "CN", ctx=mil)["outcome"] == "allowed"
    unknown = one(synthetic(), "us-2026-01", "CN", ctx=mil)
    assert unknown["outcome"] == "indeterminate" and "eccn_below_3a090" in unknown["reason"]
    # Venezuela has no embargo: without a military end use the same chip goes freely
    assert one(synthetic(eccn_below_3a090="5A992.c"), "us-2026-01", "VE")["outcome"] == "allowed"
    assert one(synthetic(eccn_below_3a090="5A992.c"), "us-2026-01", "VE", ctx=mil)["outcome"] == "denied"


def test_military_intelligence_end_use_reaches_ear99():
    v = one(synthetic(eccn_below_3a090="EAR99"), "us-2026-01", "VE", ctx=Context(military_intelligence=True))
    assert (v["outcome"], v["rule"]) == ("denied", "military-intelligence") and "744.22" in v["citation"]


def test_verdict_says_what_it_assumed_about_the_parties_where_it_matters():
    assert "assuming no listed party" in verdict("us-2026-01", "nvidia-h20", "CN")["advisories"]
    assert "assuming no listed party" not in verdict("us-2026-01", "nvidia-h20", "FR")["advisories"]
    listed = verdict("us-2026-01", "nvidia-h20", "CN", ctx=Context(entity_list="listed"))
    assert "assuming no listed party" not in listed["advisories"]


def test_foreign_made_chips_carry_the_fdp_advisory_and_ascend_the_gp10_guidance():
    ascend = synthetic(chip_id="huawei-ascend-910b", designer_country="CN", made_in="CN", made_by="SMIC")
    after = one(ascend, "us-2026-01", "MY")
    assert "734.9(h)" in after["advisories"] and "General Prohibition 10" in after["advisories"]
    before = one(ascend, "us-2024-12", "MY", as_of="2025-05-12")
    assert "General Prohibition 10" not in before["advisories"] and "734.9(h)" in before["advisories"]


# ---- the January 2026 headquarters rule ----------------------------------------------------------

def test_l40s_to_chinese_owned_buyer_in_malaysia_after_2026_01_15_is_denied_citing_91_fr_1684():
    v = verdict("us-2026-01", "nvidia-l40s", "MY", ctx=Context(hq="CN"))
    assert (v["outcome"], v["rule"]) == ("denied", "hq-d5-macau-2026") and "91 FR 1684" in v["citation"]
    before = verdict("us-2025-04-h20", "nvidia-l40s", "MY", ctx=Context(hq="CN"))
    assert (before["outcome"], before["review_policy"]) == ("license", "case-by-case")


def test_h100_to_chinese_owned_buyer_in_malaysia_is_denied_by_the_hq_rule_not_the_letters():
    v = verdict("us-2026-01", "nvidia-h100-sxm", "MY", ctx=Context(hq="CN"))
    assert v["rule"] == "hq-d5-macau-2026"


def test_nac_stays_for_a_chinese_owned_buyer_abroad():
    v = verdict("us-2026-01", "nvidia-rtx-4090", "MY", ctx=Context(hq="CN"))
    assert (v["outcome"], v["exception"]) == ("exception", "NAC")


# ---- the April 2025 letters ----------------------------------------------------------------------

def test_rtx_5090_to_china_in_september_2025_is_nac():
    v = verdict("us-2025-04-h20", "nvidia-rtx-5090", "CN", as_of="2025-09-15")
    assert (v["outcome"], v["exception"]) == ("exception", "NAC")


@pytest.mark.parametrize("chip", ["nvidia-rtx-pro-6000-blackwell", "nvidia-a800-40gb-active", "amd-mi210"])
def test_nac_eligible_3a090_chips_are_not_caught_by_the_letters(chip):
    v = verdict("us-2025-04-h20", chip, "CN", as_of="2025-05-01")
    assert v["outcome"] == "exception" and "15%" not in v["conditions"]


def test_the_stricter_reading_is_a_named_convention():
    strict = MetricConventions(is_informed_scope="all")
    v = verdict("us-2025-04-h20", "amd-mi210", "CN", as_of="2025-05-01", conv=strict)
    assert (v["outcome"], v["rule"]) == ("denied", "h20-is-informed")


def test_chinese_owned_buyer_in_germany_between_the_letters_and_2026_is_case_by_case():
    v = verdict("us-2025-04-h20", "nvidia-h100-sxm", "DE", ctx=Context(hq="CN"))
    assert (v["outcome"], v["review_policy"], v["rule"]) == ("license", "case-by-case", "hq-d5-macau")


def test_the_15_percent_revenue_share_belongs_to_the_named_chips_only():
    named = verdict("us-2026-01", "nvidia-h20", "CN")
    assert named["rule"] == "h20-china-licensed" and "15%" in named["conditions"]
    other = verdict("us-2026-01", "nvidia-rtx-5090-d", "CN")  # caught by its 1,792 GB/s DRAM, not named
    assert other["rule"] == "h20-is-informed" and "15%" not in other["conditions"]


def test_named_items_are_caught_whatever_their_figures():
    # a chip named in the letters with no figure at all: the letters alone decide in the April phase
    table = synthetic(chip_id="amd-mi308x", fp16_bf16_tflops="", dram_bw_gbps="", io_bw_gbps="", die_area_mm2="")
    v = one(table, "us-2025-04-h20", "CN", as_of="2025-05-01")
    assert (v["outcome"], v["rule"]) == ("denied", "h20-is-informed")


def test_phases_of_the_april_2025_preset():
    s = load_scenario("us-2025-04-h20")
    letters, licences = (s.phase(p).start for p in ("letters", "licences"))
    assert verdict(s, "nvidia-h20", "CN", as_of=letters)["outcome"] == "denied"
    assert verdict(s, "nvidia-h20", "CN", as_of=licences)["outcome"] == "license"


# ---- dates and the smaller items -----------------------------------------------------------------

def test_presets_evaluated_outside_their_period_warn_but_run():
    early = verdict("us-2026-01", "nvidia-h20", "CN", as_of="2024-01-01")
    assert "took effect on 2026-01-15" in early["warning"] and early["outcome"] in ("license", "denied")
    late = verdict("us-2023-11", "nvidia-h20", "CN", as_of="2025-01-01")
    assert "superseded on 2024-12-02 by us-2024-12" in late["warning"]
    assert verdict("us-2026-01", "nvidia-h20", "CN")["warning"] == ""
    assert period_warning(load_scenario("us-2024-12"), None) is None  # its own default date is inside


@pytest.mark.parametrize("dest", ["US", "PR"])
def test_a_sale_inside_the_us_is_no_export(dest):
    for scenario in ("us-2025-01-aid", "us-2026-01"):
        v = verdict(scenario, "nvidia-h100-sxm", dest, ctx=Context(hq="CN"))
        assert (v["outcome"], v["rule"], v["exception"]) == ("allowed", "no-export", "")


def test_uae_after_its_move_to_a5_decides_aca_explicitly():
    gaming = verdict("us-2026-01", "nvidia-rtx-5090", "AE", as_of="2026-08-01")
    assert (gaming["exception"], gaming["rule"]) == ("ACA", "aca-uae") and "UNCERTAIN" in gaming["reason"]
    dc = verdict("us-2026-01", "nvidia-h100-sxm", "AE", as_of="2026-08-01")
    assert dc["rule"] == "uae-a5" and "Supp. No. 8" in dc["conditions"]
    label = load_scenario("us-2026-01").destination_sets["scope_ab"]["label"]
    assert "except A:5/A:6" in label and "UAE" in label and "own" in label


def test_ai_diffusion_tier2_allocation_reaches_d1_d4_countries():
    v = verdict("us-2025-01-aid", "nvidia-h100-sxm", "SA", ctx=Context(quantity=5000))  # SA: D:4 and Tier 2
    assert v["rule"] == "aid-tier2" and "allocation" in v["conditions"]


def test_lpp_note_carries_its_uncertain_grade():
    v = verdict("us-2025-01-aid", "nvidia-h100-sxm", "BR")
    assert v["exception"] == "LPP" and "UNCERTAIN" in v["conditions"]


def test_sec232_duty_note_only_where_the_chip_is_imported_for_testing():
    exported = verdict("us-2026-01", "nvidia-h200-sxm", "CN")
    assert "Sec. 232" in exported["conditions"]
    assert "Sec. 232" not in verdict("us-2026-01", "nvidia-h200-sxm", "CN", ctx=Context(export="reexport"))["conditions"]
    assert "Sec. 232" not in verdict("us-2026-01", "nvidia-h200-sxm", "RU")["conditions"]


def test_in_country_transfer_keeps_the_presumption_of_denial():
    v = verdict("us-2026-01", "nvidia-h200-sxm", "CN", ctx=Context(export="transfer"))
    assert v["outcome"] == "denied"


def test_explain_footer_no_longer_says_the_letters_are_outside_the_model():
    text = explain("nvidia-h20", "CN", "us-2026-01")
    assert "outside this model" not in text and "is-informed letters are unpublished and modelled" in text
    assert "end-user screening" in text


# ---- the command line ----------------------------------------------------------------------------

def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, timeout=300)


def test_cli_gives_part_746_answers_with_citations():
    r = run_cli("evaluate", "--chip", "nvidia-l20", "--dest", "IR", "--dest", "KP", "--dest", "CU", "--dest", "RU",
                "--dest", "BY", "--dest", "SY", "--scenario", "us-2026-01", "--format", "csv")
    assert r.returncode == 0, r.stderr
    for cite in ("746.7", "746.4", "746.2", "746.8"):
        assert cite in r.stdout


def test_cli_warns_on_stderr_and_refuses_phase_with_as_of():
    r = run_cli("evaluate", "--scenario", "us-2026-01", "--as-of", "2024-01-01", "--chip", "nvidia-h20", "--dest", "CN")
    assert r.returncode == 0 and "warning: us-2026-01 took effect on 2026-01-15" in r.stderr
    r = run_cli("evaluate", "--scenario", "us-2025-04-h20", "--phase", "letters", "--as-of", "2025-05-01")
    assert r.returncode == 2 and "--phase and --as-of" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("evaluate", "--scenario", "us-2025-04-h20", "--phase", "lettres", "--chip", "nvidia-h20", "--dest", "CN")
    assert r.returncode == 2 and "letters" in r.stderr


def test_cli_screening_options():
    r = run_cli("evaluate", "--scenario", "us-2026-01", "--chip", "nvidia-t4", "--dest", "FR", "--entity-list", "fn3",
                "--format", "csv")
    assert r.returncode == 0 and "entity-list-fn3" in r.stdout
