"""The Compute flows screen (AppTest): the same numbers as the engine, for the scenario being edited."""

from __future__ import annotations

import pytest
from conftest import run_app


def _headline(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**"))


def _api_sentence(scenario, draws: int) -> str:
    from sim import load_chips
    from sim.analysis.flows import FlowOptions, run_flows
    from sim.data.volumes import load_volumes
    from sim.report.flows_text import difference_sentence

    vols, table = load_volumes(), load_chips()
    options = FlowOptions(draws=draws)
    enacted = run_flows(vols, None, owner="China", options=options, table=table)
    other = run_flows(vols, scenario, owner="China", options=options, table=table)
    return difference_sentence(enacted, other, "China", dict(zip(table["chip_id"], table["name"])))


@pytest.mark.parametrize("view", ["History", "Forward", "Balance"])
def test_each_flows_view_answers_at_the_top(view):
    at = run_app(screen="Compute flows", flows=view, scenario="us-2023-11")
    assert not at.exception and not at.error, [e.value for e in at.exception] + [e.value for e in at.error]
    head = _headline(at)
    assert {"History": "H100e", "Forward": "median units by outcome", "Balance": "share of the US owners'"}[view] in head


def test_the_screen_shows_the_numbers_the_engine_gives():
    from ui.flows_screen import DRAWS

    at = run_app(screen="Compute flows", scenario="us-2023-11")
    assert _headline(at) == f"**{_api_sentence('us-2023-11', DRAWS)}**"


def test_an_edit_in_the_sidebar_moves_the_numbers():
    from sim.api import resolve_scenario
    from ui.flows_screen import DRAWS

    at = run_app(screen="Compute flows", scenario="us-2023-11")
    before = _headline(at)
    at.sidebar.number_input(key="param:3A090.a.1.tpp").set_value(20000).run()
    at.sidebar.number_input(key="param:3A090.a.2.tpp").set_value(20000).run()
    after = _headline(at)
    assert after != before and "3A090.a.1.tpp=20000" in after
    edited = resolve_scenario("us-2023-11", overrides={"3A090.a.1.tpp": 20000, "3A090.a.2.tpp": 20000})
    assert after == f"**{_api_sentence(edited, DRAWS)}**"


def test_flows_download_names_the_volume_source_and_the_rules():
    import io

    import pandas as pd

    at = run_app(screen="Compute flows", scenario="us-2023-11")
    at.session_state["_capture_downloads"] = True
    at.run()
    name, data = next(v for k, v in at.session_state["_downloads"].items() if k.startswith("fl_csv"))
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert name.endswith(".csv") and "flows" in name
    assert set(frame["basis"]) == {"as enacted", "us-2023-11"}
    assert frame["volume_source"].str.contains("Epoch AI ai-chip-counts").all() and "chipsim_version" in frame
