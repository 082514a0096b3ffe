"""Figures are drawn from the scenario's current parameters, so an edit moves the regions."""

import json

import pytest

from sim import load_chips, with_metrics
from sim.data.destinations import DATA
from sim.report.plots import png_bytes, tpp_dram_figure, tpp_pd_figure, world_map_figure
from sim.rules.scenario import load_scenario, preset_ids


def legend_text(fig):
    return " ".join(t.get_text() for t in fig.axes[0].get_legend().get_texts())


def test_edited_parameter_moves_the_region():
    table = with_metrics(load_chips())
    s = load_scenario("us-2023-11")
    assert "TPP ≥ 4,800" in legend_text(tpp_pd_figure(s, table))
    edited = legend_text(tpp_pd_figure(s.with_values({"3A090.a.1.tpp": 3000, "3A090.b.2.pd": 2.5}), table))
    assert "TPP ≥ 3,000" in edited and "2.5 ≤ PD" in edited and "4,800" not in edited


def test_dram_plane_shows_the_2026_box_and_duty_bands():
    text = legend_text(tpp_dram_figure(load_scenario("us-2026-01"), with_metrics(load_chips())))
    assert "TPP < 21,000, DRAM < 6,500" in text and "band1" in text and "band2" in text


@pytest.mark.parametrize("preset", preset_ids())
def test_every_preset_draws_a_png(preset):
    table = with_metrics(load_chips())
    assert png_bytes(tpp_pd_figure(load_scenario(preset), table, zoom=True)).startswith(b"\x89PNG")


def test_world_map_png():
    topo = json.loads((DATA / "countries-110m.json").read_text())
    assert png_bytes(world_map_figure(topo, {"156": "denied"}, "t")).startswith(b"\x89PNG")


def test_the_map_png_draws_the_small_destinations_the_app_draws_as_dots():
    import pandas as pd

    from sim.report.plots import world_map_figure

    topo = {"type": "Topology", "arcs": [], "transform": {"scale": [1, 1], "translate": [0, 0]},
            "objects": {"countries": {"type": "GeometryCollection", "geometries": []}}}
    dots = pd.DataFrame({"lon": [103.8, 114.1], "lat": [1.35, 22.3], "outcome": ["allowed", "denied"]})
    fig = world_map_figure(topo, {}, "t", small=dots)
    offsets = fig.axes[0].collections[0].get_offsets()
    assert len(offsets) == 2 and offsets[0][0] == pytest.approx(103.8)
