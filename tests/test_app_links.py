"""Every link parameter is validated: a notice names the value and what was used instead, and a screening or
transaction answer that cannot be read is never shown as if the permissive default had been chosen."""

from __future__ import annotations

import pytest
from conftest import qp, run_app

from sim.rules.scenario import load_scenario


def _card(at) -> str:
    return next(m.value for m in at.markdown if "→" in m.value and "<b>" in m.value)


def _warnings(at) -> str:
    return " ".join(w.value for w in at.warning)


@pytest.mark.parametrize("query, notice, assumed", [
    ({"el": "maybe"}, "Ignored el='maybe'", "el="),
    ({"hq": "QQ"}, "Ignored hq='QQ'", "hq="),
    ({"qty": "-5"}, "Ignored qty='-5'", "qty="),
    ({"meu": "maybe"}, "Ignored meu='maybe'", "meu="),
    ({"ship": "teleport"}, "Ignored ship='teleport'", "ship="),
])
def test_an_unreadable_transaction_answer_is_named_and_flagged_in_the_verdict_card(query, notice, assumed):
    at = run_app(scenario="us-2026-01", chip="nvidia-l40s", dest="AE", **query)
    assert not at.exception and notice in _warnings(at)
    card = _card(at)
    assert "Assumed, not read from the link" in card and assumed in card


def test_a_readable_link_leaves_the_card_clean_and_case_does_not_matter():
    at = run_app(scenario="us-2026-01", chip="nvidia-l40s", dest="AE", el="Listed")
    assert "Ignored" not in _warnings(at) and "Assumed" not in _card(at)
    assert "DENIED" in _card(at)  # an Entity List party: the L40S to the UAE is denied, never LICENSE


def test_setting_the_answer_in_the_sidebar_clears_the_flag():
    at = run_app(scenario="us-2026-01", chip="nvidia-l40s", dest="MY", hq="QQ")
    assert "Assumed" in _card(at)
    at.sidebar.selectbox(key="hq_choice").set_value("CN").run()
    card = _card(at)
    assert "Assumed" not in card and "DENIED" in card


@pytest.mark.parametrize("query, notice", [
    ({"screen": "Bogus"}, "Ignored screen='Bogus'"),
    ({"screen": "Sweep", "n": "999999999"}, "expected a whole number from 2 to 2,000"),
    ({"set": "3A090.a.1.tpp:-5"}, "must be at least 0, not -5"),
])
def test_other_bad_link_values_are_named_with_what_was_used(query, notice):
    at = run_app(scenario="us-2023-11", **query)
    assert not at.exception and notice in _warnings(at)


# every download and every CLI output records the transaction; figures are exported as plain numbers

def _matrix_csv(**query):
    import io

    import pandas as pd

    at = run_app(screen="Matrix", **query)
    at.session_state["_capture_downloads"] = True
    at.run()
    name, data = at.session_state["_downloads"]["dl_matrix"]
    return name, data.decode("utf-8-sig"), pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False)


def test_a_download_after_setting_the_transaction_names_it_in_rows_and_file_name():
    name, _, frame = _matrix_csv(scenario="us-2026-01", hq="CN", ship="reexport", el="fn4")
    assert "hq-CN+reexport+el-fn4" in name
    assert set(frame["transaction"]) == {"re-export from abroad; end user headquartered in CN; 1 unit; screening: "
                                         "Entity List (fn4)"}


def test_ranged_chips_carry_both_bounds_and_no_inf_or_scientific_notation():
    _, text, frame = _matrix_csv(scenario="us-2026-01")
    b30a = frame[frame["chip_id"] == "nvidia-b30a"].iloc[0]
    assert float(b30a["tpp_low"]) < float(b30a["tpp_high"])
    ascend = frame[frame["chip_id"] == "huawei-ascend-920"].iloc[0]
    assert ascend["tpp_high"] == "" and float(ascend["tpp_low"]) > 0  # unbounded above: blank, never inf
    import re

    assert not re.search(r"(^|,)-?inf(,|$)", text, re.M) and not re.search(r"\d[eE][+-]\d", text)
    assert {"chip_confidence", "chip_sources"} <= set(frame) and frame["chip_sources"].str.len().gt(0).all()


def test_cli_evaluate_records_the_transaction():
    import json
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "sim", "evaluate", "--chip", "nvidia-h20", "--dest", "CN", "--hq", "CN",
                        "--transfer", "--quantity", "5", "--military-end-use", "--format", "json"],
                       capture_output=True, text=True, timeout=120)
    row = json.loads(r.stdout)[0]
    assert row["transaction"] == ("in-country transfer; end user headquartered in CN; 5 units; screening: "
                                  "military end use")


def test_a_preset_outside_its_period_says_so_in_the_verdict_card_and_on_figures():
    at = run_app(scenario="us-2023-11", as_of="2025-06-01", chip="nvidia-h20", dest="CN")
    assert "superseded on 2024-12-02" in _card(at)
    from sim.report.provenance import describe
    from sim.rules.scenario import load_scenario

    lines = describe(load_scenario("us-2023-11"), "2025-06-01").lines()
    assert any(line.startswith("WARNING: us-2023-11 was superseded") for line in lines)


def test_the_sweep_lists_exact_flip_values_and_the_timeline_says_it_ignores_edits():
    at = run_app(screen="Sweep", scenario="us-2023-11")
    table = next(d.value for d in at.dataframe if "flips at (TPP)" in d.value.columns)
    assert len(table) > 0 and table["flips at (TPP)"].str.match(r"^[\d,.]+$").all()
    at = run_app(screen="Timeline", scenario="us-2023-11", set="3A090.a.1.tpp:2000")
    assert any("do not apply here" in i.value for i in at.info)


def test_the_deploy_button_is_hidden():
    import tomllib
    from pathlib import Path

    config = tomllib.loads((Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text())
    assert config["client"]["toolbarMode"] == "minimal"


def test_the_best_chip_is_given_at_the_current_value_with_units_and_separators():
    at = run_app(screen="Sweep", scenario="us-2023-11")
    table = next(d.value for d in at.dataframe if "best chip" in d.value.columns)
    current = table[table.iloc[:, 0].str.contains("current value")]
    assert len(current) == 1 and current.iloc[0, 0].startswith("4,800")
    assert table.columns[0] == load_scenario("us-2023-11").parameters["3A090.a.1.tpp"].plain_label
    assert table["its TPP"].str.match(r"^[\d,]*$").all()


def test_compare_says_why_a_stricter_edit_gives_a_looser_outcome():
    """RTX 5090 D to China: below 3A090 it meets the April 2025 letters (denied); a lower 3A090.a threshold makes
    it a non-datacenter 3A090.a item, which License Exception NAC covers."""
    at = run_app(screen="Compare", scenario="us-2026-01", to="current", dests="Key destinations",
                 set=["3A090.a.1.tpp:2000", "3A090.note.tpp:2000"], **{"from": "us-2026-01"})
    notice = next(w.value for w in at.warning if "looser outcome" in w.value)
    assert "RTX 5090 D → CN: denied → exception" in notice and "nac-notified" in notice


def test_the_full_trace_wraps_and_downloads_with_its_provenance():
    at = run_app(screen="Matrix", scenario="us-2026-01", chip="nvidia-h200-sxm", dest="CN", hq="CN")
    assert not at.code  # closed, the trace is not built: a rerun spends nothing on it
    at.session_state["_capture_downloads"] = True
    at.session_state["trace_open"] = True  # the reader opens "Full trace"
    at.run()
    assert any(c.proto.wrap_lines for c in at.code)  # long citations wrap instead of running off-screen
    name, data = at.session_state["_downloads"]["dl_trace"]
    text = data.decode("utf-8")
    assert name.endswith("_trace_nvidia-h200-sxm_CN.txt") and "hq-CN" in name
    assert text.startswith("chipsim ") and "transaction: export from the US; end user headquartered in CN" in text
    assert "VERDICT: LICENSE" in text and "rlp-2026-case-by-case" in text


def test_parameters_are_labelled_in_plain_words_with_the_id_in_the_tooltip():
    at = run_app(scenario="us-2023-11", set="3A090.a.1.tpp:2300")
    p = load_scenario("us-2023-11").parameters["3A090.a.1.tpp"]
    box = at.sidebar.number_input(key="param:3A090.a.1.tpp")
    assert box.value == 2300 and box.label == p.plain_label  # the edited value never contradicts the label
    assert "3A090.a.1.tpp" not in box.label and "4800" not in box.label and "`3A090.a.1.tpp`" in box.help


def test_the_sidebar_boxes_build_their_fields_only_when_open_and_their_answers_apply_either_way():
    link = dict(scenario="us-2026-01", chip="nvidia-h20", dest="MY", set="3A090.a.1.tpp:2000", hq="CN", qty="3")
    closed = run_app(open_boxes=False, **link)
    assert not [w for w in closed.sidebar.number_input if w.key and w.key.startswith("param:")]
    assert not [w for w in closed.sidebar.selectbox if w.key == "hq_choice"]
    assert "headquarters CN, 3 units" in closed.sidebar.expander[1].label  # the closed box still says what it holds
    assert "For this transaction:</b> export from the US; end user headquartered in CN; 3 units" in _card(closed)
    opened = run_app(**link)
    assert opened.sidebar.number_input(key="param:3A090.a.1.tpp").value == 2000
    assert opened.sidebar.selectbox(key="hq_choice").value == "CN"
    assert opened.sidebar.number_input(key="quantity_w").value == 3
    # the edit and the transaction apply with the boxes closed: the same verdict, and the link keeps them
    assert _card(closed) == _card(opened) and "DENIED" in _card(closed)
    for at in (closed, opened):
        assert qp(at, "hq") == ["CN"] and qp(at, "qty") == ["3"]
