"""The determination record (`chipsim memo`): one per outcome class, reproducible to the byte, and the legal
edges the probes found, each a public story naming its citation."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sim import load_chips
from sim.api import evaluate
from sim.engine.vectorised import Context
from sim.report.memo import determination, log_line, render


def _record(chip, dest, scenario="us-2026-01", **kw):
    return determination(chip, dest, scenario, **kw)


def test_allowed_cites_the_provision_that_decides_and_eliminates_eccns():
    r = _record("nvidia-h100-sxm", "IN")
    assert r["outcome"]["outcome"] == "allowed" and r["outcome"]["rule"] == "no-license-required"
    assert "742.6(a)(6)(iii)" in r["outcome"]["citation"] and "740 Supp. No. 1" in r["outcome"]["citation"]
    assert "8-K" not in r["outcome"]["citation"]  # the H20 filings decide nothing here
    eccns = {e["eccn"]: e for e in r["eccns"]}
    assert eccns["3A090.a.1"]["result"] == "applies" and eccns["3A090.b.1"]["result"] == "eliminated"
    assert eccns["3A090.b.1"]["why"].startswith("fails:")
    assert eccns["EAR99"]["result"] == "eliminated" and "3A090" in eccns["EAR99"]["why"]
    assert "4A090" in eccns and "3A001.z" in eccns


def test_exception_carries_the_nac_notification_data():
    r = _record("nvidia-l40", "CN", "us-2023-11")
    assert r["outcome"]["exception"] == "NAC"
    nac = r["nac_notification"]
    assert nac["tpp"] == pytest.approx(2896.8, rel=1e-3) and nac["pd"] > 0 and nac["datacenter"] is True
    assert any("25 calendar days" in c for c in nac["checklist"])
    assert any(x["exception"] == "ACA" and not x["available"] for x in r["exceptions"])


def test_case_by_case_licence_lists_its_conditions_as_a_checklist_never_a_certification():
    r = _record("nvidia-h200-sxm", "CN")
    assert r["outcome"]["outcome"] == "license" and r["outcome"]["rule"] == "rlp-2026-case-by-case"
    c = r["case_by_case_checklist"]
    assert any("50%" in i for i in c["items"]) and "not a certification" in c["note"]
    md = render(r, "md")
    assert "- [ ] " in md and "91 FR 1684" in md


def test_denied_by_embargo_names_part_746():
    r = _record("nvidia-l4", "IR")
    assert r["outcome"]["outcome"] == "denied" and r["outcome"]["rule"] == "iran-embargo"
    assert "746.7" in r["outcome"]["citation"]
    assert any(x["rule"] == "iran-embargo" and x["result"] == "holds" for x in r["rules"])


def test_indeterminate_names_the_missing_input():
    r = _record("amd-mi308x", "CN", "us-2023-11")
    assert r["outcome"]["outcome"] == "indeterminate"
    assert "unknown" in r["outcome"]["reason"] and "TPP unknown" in r["metrics"]["tpp"]
    assert any(e["result"].startswith("open") for e in r["eccns"])


def test_same_inputs_same_bytes_and_an_edited_figure_changes_the_hash():
    a, b = render(_record("nvidia-l40s", "MY", ctx=Context(hq="CN")), "html"), render(_record("nvidia-l40s", "MY", ctx=Context(hq="CN")), "html")
    assert a == b
    table = load_chips()
    base = _record("nvidia-l40s", "MY", table=table)["provenance"]
    edited = table.copy()
    edited.loc[edited["chip_id"] == "nvidia-l40s", "fp16_bf16_tflops"] = 300.0
    moved = _record("nvidia-l40s", "MY", table=edited)["provenance"]
    assert moved["chip_table_sha256"] != base["chip_table_sha256"] and moved["record_sha256"] != base["record_sha256"]
    assert moved["rules_sha256"] == base["rules_sha256"]


def test_an_edited_scenario_names_the_edit_in_the_record_and_the_reproduce_line():
    r = _record("nvidia-h20", "CN", overrides={"3A090.a.1.tpp": 2000})
    assert r["scenario"]["edits"] == {"3A090.a.1.tpp": 2000.0}
    assert "--set 3A090.a.1.tpp=2000" in r["provenance"]["reproduce"]
    assert "3A090.a.1.tpp = 2000" in render(r, "md")


def test_json_is_the_same_content_and_the_log_appends(tmp_path):
    r = _record("nvidia-h200-sxm", "CN")
    assert json.loads(render(r, "json"))["outcome"] == r["outcome"]
    line = json.loads(log_line(r, "x.html"))
    assert line["record_sha256"] == r["provenance"]["record_sha256"] and line["outcome"] == "license"


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, timeout=120)


def test_cli_memo_html_for_a_chinese_owned_buyer_in_malaysia(tmp_path):
    """Done when: the L40S to Malaysia for a China-headquartered buyer reads as a record a reviewer could file."""
    out, log = tmp_path / "m.html", tmp_path / "log.jsonl"
    for _ in range(2):
        r = _cli("memo", "nvidia-l40s", "--dest", "MY", "--hq", "CN", "--format", "html", "--out", str(out),
                 "--log", str(log), "--preparer", "A. Officer")
        assert r.returncode == 0, r.stderr
    text = out.read_text(encoding="utf-8")
    assert "DENIED" in text and "presumption of denial" in text and "hq-d5-macau-2026" in text
    assert "ECCNs considered" in text and "eliminated" in text and "record_sha256" in text
    assert "resources.nvidia.com" in text and "A. Officer" in text and "762.6" in text and "Not legal advice" in text
    assert "@media print" in text and "<script" not in text
    assert len(log.read_text().splitlines()) == 2  # appended, never rewritten
    bad = _cli("memo", "nvidia-l40s", "--dest", "XX")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_cli_evaluate_names_its_edits_on_every_row():
    r = _cli("evaluate", "--set", "3A090.a.1.tpp=4000", "--chip", "nvidia-h20", "--dest", "CN", "--format", "json")
    row = json.loads(r.stdout)[0]
    assert row["scenario"] == "us-2026-01" and row["scenario_edits"] == "3A090.a.1.tpp=4000 (preset 4800)"


# ------------------------------------------------------------------------------------------------ the probes' edges

def _v(chip, dest, scenario="us-2026-01", **kw):
    return evaluate(scenario, chips=[chip], destinations=[dest], **kw).iloc[0]


def test_syria_after_the_easing_keeps_the_d5_presumption_of_denial_for_3a090():
    """15 CFR 746.9 (90 FR 42320, 2025-09-02): CCL items need a licence; NAC/ACA are not among Syria's
    exceptions, so the L40 (3A090.b) keeps 742.6(b)(10)'s presumption of denial, as the H100 does."""
    for chip in ("nvidia-l40", "nvidia-h100-sxm"):
        v = _v(chip, "SY")
        assert v["outcome"] == "denied" and v["review_policy"] == "presumption of denial", chip


def test_a_named_item_is_decided_by_its_naming_in_every_phase():
    """NVIDIA 8-K 2025-04-15, AMD 8-K 2025-04-16: the MI308 is named; licensed by name from August 2025."""
    assert _v("amd-mi308x", "CN", "us-2025-04-h20")["outcome"] == "denied"
    assert _v("amd-mi308x", "CN", "us-2025-04-h20", as_of="2025-09-01")["outcome"] == "license"
    assert _v("amd-mi308x", "CN")["rule"] == "h20-china-licensed"


def test_in_country_transfers_within_d5_take_aca_and_the_jan_2026_review_says_it_reaches_only_us_exports():
    """89 FR 23876 split NAC from ACA (CBP CSMS 61882672); 91 FR 1684 covers exports from the US."""
    ctx = Context(export="transfer")
    l40 = _v("nvidia-l40", "CN", ctx=ctx)
    assert l40["exception"] == "ACA" and "made outside the US" not in l40["advisories"]
    h200 = _v("nvidia-h200-sxm", "CN", ctx=ctx)
    assert h200["outcome"] == "denied" and "exports from the United States only" in h200["reason"]
    assert _v("nvidia-h200-sxm", "CN", ctx=Context(export="reexport"))["outcome"] == "denied"


def test_sevastopol_is_part_of_the_crimea_region():
    """15 CFR 746.6(a)(1), EO 13685: the Crimea region includes Sevastopol (ISO 3166-2 UA-40)."""
    v = _v("nvidia-l4", "UA-40")
    assert v["outcome"] == "denied" and v["rule"] == "crimea-embargo" and "treated as Crimea" in v["reason"]


@pytest.mark.parametrize("day, outcome, rule", [
    ("2025-10-15", "denied", "affiliates-rule"),
    ("2026-03-01", "allowed", "no-license-required"),
    ("2026-12-01", "denied", "affiliates-rule-returned"),
])
def test_the_affiliates_rule_is_a_dated_screening_answer(day, outcome, rule):
    """BIS Affiliates rule: in force 2025-09-29, suspended 2025-11-10 for a year; after 2026-11-10 UNCERTAIN."""
    v = _v("nvidia-l4", "FR", None, as_of=day, ctx=Context(listed_affiliate=True))
    assert v["outcome"] == outcome and v["rule"] == rule
    if rule == "affiliates-rule-returned":
        assert "UNCERTAIN" in v["review_policy"]
    if outcome == "allowed":
        assert "suspended" in v["advisories"]


def test_the_letters_unstated_review_policy_is_marked_uncertain_and_2022_names_macau_only_from_2023():
    assert "UNCERTAIN" in _v("nvidia-h20", "CN", "us-2025-04-h20")["review_policy"]
    before = _v("nvidia-a100-sxm", "CN", "us-2022-10", as_of="2022-11-01")
    after = _v("nvidia-a100-sxm", "CN", "us-2022-10", as_of="2023-03-01")
    assert "Macau" not in before["reason"] and "Macau" in after["reason"]


def test_screening_answers_that_reach_no_rule_are_cited():
    v = _v("nvidia-h100-sxm", "FR", ctx=Context(military_end_use=True))
    assert v["outcome"] == "allowed" and "744.21" in v["citation"]


def test_the_app_offers_the_record_beside_the_verdict():
    from conftest import run_app

    at = run_app(screen="Matrix", scenario="us-2026-01", chip="nvidia-l40s", dest="MY", hq="CN")
    at.session_state["_capture_downloads"] = True
    at.run()
    name, data = at.session_state["_downloads"]["memo_html"]
    assert name.endswith(".html") and "determination" in name and "nvidia-l40s_MY" in name
    text = data.decode("utf-8")
    assert "hq-d5-macau-2026" in text and "ECCNs considered" in text
