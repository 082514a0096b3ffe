"""The Streamlit app through streamlit.testing.v1.AppTest: every screen, edits, links, uploads."""


import datetime as dt

import pytest
from conftest import run_app

from ui.state import SCREENS

app = run_app


def assert_clean(at) -> None:
    """No traceback, and no bug caught by the app's safety net."""
    assert not at.exception, [e.value for e in at.exception]
    assert not [e.value for e in at.error if "Unexpected problem" in e.value]


def matrix(at):
    return at.dataframe[0].value


@pytest.mark.parametrize("screen", SCREENS)
def test_every_screen_runs_without_exception(screen):
    at = app(screen=screen)
    assert_clean(at)
    assert at.sidebar.radio(key="screen").value == screen
    assert any(screen.split("?")[0].split()[0].lower() in h.value.lower() for h in at.header) or screen == "Matrix"


def test_lowering_3a090a_tpp_below_h20_stops_it_being_allowed_to_china():
    at = app(scenario="us-2023-11")
    assert matrix(at).loc["nvidia-h20", "CN"] == "allowed"
    at.sidebar.number_input(key="param:3A090.a.1.tpp").set_value(2300).run()
    assert_clean(at)
    assert matrix(at).loc["nvidia-h20", "CN"] == "denied"
    assert "3A090.a.1.tpp:2300" in at.query_params["set"]
    assert any("edited" in c.value for c in at.sidebar.caption)


def test_a_link_restores_scenario_edits_screen_and_selection():
    at = app(scenario="us-2023-11", set="3A090.a.1.tpp:2300", chip="nvidia-l4", dest="SA")
    assert at.sidebar.selectbox(key="scenario_choice").value == "us-2023-11"
    assert at.sidebar.number_input(key="param:3A090.a.1.tpp").value == 2300
    assert matrix(at).loc["nvidia-h20", "CN"] == "denied"
    assert at.selectbox(key="m_chip").value == "nvidia-l4" and at.selectbox(key="m_dest").value == "SA"


def test_rules_in_force_on_a_date():
    at = app(scenario="rules in force on a date", as_of="2023-06-01")
    assert_clean(at)
    assert matrix(at).loc["nvidia-a800-sxm", "CN"] == "allowed"  # the 2022 rule was in force


@pytest.mark.parametrize("query", [
    dict(scenario="rules in force on a date", as_of="2020-01-01"), dict(as_of="2099-01-01"), dict(hq="XX"),
    dict(qty="-5"), dict(chip="nope", dest="ZZ"), dict(screen="Sweep", scenario="us-2022-10"),
    dict(screen="Timeline", dest="??"), dict(set="3A090.a.1.tpp:1e308")])
def test_odd_links_never_break_a_screen(query):
    assert_clean(app(**query))


def test_nonsense_links_warn_and_the_app_still_works():
    at = app(scenario="us-1999-01", set="nope:abc", as_of="yesterday", qty="many", screen="Nowhere")
    assert_clean(at)
    warnings = " ".join(w.value for w in at.warning)
    assert "us-1999-01" in warnings and "nope:abc" in warnings and "yesterday" in warnings
    assert matrix(at).shape[0] >= 55


@pytest.mark.parametrize("name, data, needle", [
    ("formulas.csv", b"chip_id,vendor,name\n=cmd|' /C calc'!A0,x,y\n", "required column"),
    ("big.csv", b"x" * 50_000_000, "MB"),
    ("binary.csv", bytes(range(256)) * 10, "UTF-8"),
])
def test_bad_upload_lists_problems_and_keeps_the_app_alive(name, data, needle):
    at = app(screen="Data")
    at.session_state["pending_upload"] = (name, data)
    at.run()
    assert_clean(at)
    assert any("nothing was added" in e.value for e in at.error)
    problems = at.dataframe[-1].value
    assert needle in " ".join(problems["expected"].astype(str))
    at.sidebar.radio(key="screen").set_value("Matrix").run()
    assert_clean(at)
    from sim import load_chips

    assert matrix(at).shape[0] == len(load_chips())


def test_good_upload_joins_the_matrix():
    from conftest import chip_csv

    at = app(screen="Data", scenario="us-2023-11")
    at.session_state["pending_upload"] = ("mine.csv", chip_csv({"chip_id": "up-1", "fp8_tflops": 700, "datacenter": "false",
                                                                "segment": "consumer"}).encode())
    at.run()
    at.sidebar.radio(key="screen").set_value("Matrix").run()
    assert matrix(at).loc["up-1", "CN"] == "exception"  # non-datacenter, TPP 5,600: NAC


def test_hypothetical_chip_joins_every_screen():
    at = app(screen="Data")
    at.text_input(key="f_id").set_value("my-b30a")
    at.number_input(key="f_fp8_tflops").set_value(2500)
    at.number_input(key="f_dram").set_value(4000)
    at.checkbox(key="f_sparse").check()
    at.selectbox(key="f_us").set_value("yes, since this date")
    at.date_input(key="f_us_since").set_value(dt.date(2025, 6, 1))
    at.button[0].click().run()
    assert_clean(at)
    at.sidebar.radio(key="screen").set_value("Matrix").run()
    m = matrix(at)
    assert "my-b30a" in m.index
    # 2,500 sparse -> 1,250 dense FP8 -> TPP 10,000; no die area, but TPP >= 4800 decides 3A090.a; sold in the US
    # before 2026-01-15, so the January 2026 case-by-case review applies (91 FR 1684, condition (a))
    assert m.loc["my-b30a", "CN"] == "license"


def test_duplicate_hypothetical_id_is_refused():
    at = app(screen="Data")
    at.text_input(key="f_id").set_value("nvidia-h20")
    at.number_input(key="f_fp8_tflops").set_value(10)
    at.button[0].click().run()
    assert not at.exception and any("already in the table" in e.value for e in at.error)


def test_newcomer_question_what_changed_for_china_2022_to_2023():
    at = app(screen="Compare")
    at.selectbox(key="cmp_to").set_value("us-2023-11").run()
    assert_clean(at)
    changed = at.dataframe(key="cmp_table").value  # every changed pair
    a800 = changed[(changed["chip_id"] == "nvidia-a800-sxm") & (changed["destination"] == "CN")]
    assert list(a800[["outcome (from)", "outcome (to)"]].iloc[0]) == ["allowed", "denied"]


def test_newcomer_question_h20_to_china_today_and_in_april_2025():
    today = app(chip="nvidia-h20", dest="CN")
    assert matrix(today).loc["nvidia-h20", "CN"] == "license"
    april = app(scenario="us-2025-04-h20", as_of="2025-05-01", chip="nvidia-h20", dest="CN")
    assert matrix(april).loc["nvidia-h20", "CN"] == "denied"
    assert any("(nvidia-h20) → China (CN): DENIED" in m.value for m in april.markdown)
