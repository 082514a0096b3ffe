"""Where can this chip go? One chip's outcome for every country, as a clickable world map and a table.

Destinations the 1:110m map cannot draw (Hong Kong, Macau, Singapore, Bahrain, ...) are points at
the centroid of their largest polygon in Natural Earth 1:10m (world-atlas 2.0.2, public domain),
computed once into ui/small_destinations.csv; the few without geometry there are chosen in the table.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from sim.data.destinations import DATA, countries
from sim.report.plots import OUTCOME_COLORS, world_map_figure

from . import view
from .charts import NO_EXPORT
from .common import OUTCOMES, explanation_box, outcome_legend, summary_line
from .exports import figure_downloads, verdict_csv
from .matrix import chip_picker
from .words import outcome_key


@lru_cache(maxsize=1)
def world() -> dict:
    """Natural Earth 1:110m countries (world-atlas 2.0.2), shipped in sim/data — no download at run time."""
    return json.loads((DATA / "countries-110m.json").read_text())


@lru_cache(maxsize=1)
def small_points() -> pd.DataFrame:
    return pd.read_csv(Path(__file__).with_name("small_destinations.csv"), dtype={"numeric": str})


@lru_cache(maxsize=1)
def drawn_ids() -> frozenset[str]:
    return frozenset(str(g.get("id")) for g in world()["objects"]["countries"]["geometries"])


def _country_clicked() -> None:
    event = st.session_state.get("map_chart")
    selection = getattr(event, "selection", None) or {}
    for param in ("pick_dest", "pick_small"):
        for item in (selection.get(param) if hasattr(selection, "get") else None) or []:
            if isinstance(item, dict) and item.get("destination"):
                view.select("dest", item["destination"])
                return


def _row_chosen(codes: list[str]) -> None:
    rows = getattr(getattr(st.session_state.get("map_table"), "selection", None), "rows", None) or []
    if rows and rows[0] < len(codes):
        view.select("dest", codes[rows[0]])


def render(state) -> None:
    st.header("Where can this chip go?")
    c1, c2 = st.columns([3, 2])
    chip = chip_picker(c1, state, "map_chip")
    dest = view.get("dest") or "CN"
    v = dest_verdicts_all(state, chip)
    c2.markdown(summary_line(v["outcome"], f"{len(v)} destinations"))
    numeric = countries()["numeric"]
    v["id"] = v["destination"].map(numeric)
    v["key"] = v["outcome"].map(outcome_key)
    lookup = v[["id", "destination", "destination_name", "outcome", "key", "classification", "rule", "import"]]
    closed = v[v["import"] != "open"]
    if len(closed):  # the destination's own measures: beside the US outcome, never in its colour
        st.markdown("**Import side** (the destination's own measures, not a US outcome): " + "; ".join(
            f"{n} ({c}): **{w}**" for n, c, w in zip(closed["destination_name"], closed["destination"], closed["import"]))
            + " — see the verdict below for the measures and their sources.")
    # the geometry goes in as a named dataset after Altair builds the spec: validating 125 kB of TopoJSON on
    # every rerun would cost half a second
    source = alt.Data(name="world", format=alt.DataFormat(feature="countries", type="topojson"))
    pick = alt.selection_point(fields=["destination"], name="pick_dest", on="click", clear=False)
    color = alt.Color("key:N", scale=alt.Scale(domain=[outcome_key(o) for o in OUTCOMES],
                                               range=[OUTCOME_COLORS[o] for o in OUTCOMES]),
                      legend=alt.Legend(title=f"Outcome for {chip}", orient="bottom", columns=3, labelLimit=400))
    tooltip = [alt.Tooltip("destination_name:N", title="Destination"), alt.Tooltip("destination:N", title="Code"),
               alt.Tooltip("outcome:N", title="Outcome"), alt.Tooltip("classification:N", title="Classification"),
               alt.Tooltip("rule:N", title="Deciding rule"), alt.Tooltip("import:N", title="Import side")]
    shapes = (alt.Chart(source).mark_geoshape()
              .transform_lookup(lookup="id", from_=alt.LookupData(lookup, "id", ["destination", "destination_name", "outcome",
                                                                                 "key", "classification", "rule", "import"]))
              .encode(color=color, tooltip=tooltip,
                      strokeWidth=alt.condition(alt.datum.destination == dest, alt.value(2.5), alt.value(0.3)),
                      stroke=alt.condition(alt.datum.destination == dest, alt.value("black"), alt.value("white")))
              .add_params(pick))
    dots = small_points().merge(v.drop(columns=["id"]), left_on="iso2", right_on="destination")
    pick_small = alt.selection_point(fields=["destination"], name="pick_small", on="click", clear=False)
    points = (alt.Chart(dots).mark_circle(size=70, opacity=0.95)
              .encode(longitude="lon:Q", latitude="lat:Q", color=color, tooltip=tooltip,
                      stroke=alt.condition(alt.datum.destination == dest, alt.value("black"), alt.value("white")),
                      strokeWidth=alt.condition(alt.datum.destination == dest, alt.value(2.5), alt.value(0.8)))
              .add_params(pick_small))
    chart = alt.layer(shapes, points).project("equalEarth").properties(height=520)
    spec = chart.properties(usermeta=NO_EXPORT).to_dict(validate=False)
    spec.setdefault("datasets", {})["world"] = world()
    st.vega_lite_chart(spec=spec, key="map_chart", on_select=_country_clicked, selection_mode=["pick_dest", "pick_small"], width="stretch",
                       height=600)
    small = v[~v["id"].isin(drawn_ids())]
    unplaced = small[~small["destination"].isin(set(small_points()["iso2"]))]
    st.caption("Click a country, or a dot for a small destination (Hong Kong, Macau, Singapore, ...), to choose it. "
               "Map: Natural Earth 1:110m, small destinations at their 1:10m centroid (public domain, via world-atlas). "
               + (f"Not on the map: {', '.join(f'{n} ({c})' for n, c in zip(unplaced['destination_name'], unplaced['destination']))}"
                  " — choose them in the table below." if len(unplaced) else ""))
    explanation_box(state, chip, dest)
    columns = ["destination", "destination_name", "outcome"] + (["import"] if len(closed) else []) + \
        ["classification", "exception", "review_policy", "rule"]
    table = v[columns] \
        .sort_values(["outcome", "destination"]).reset_index(drop=True)
    codes = list(table["destination"])
    st.markdown(outcome_legend() + " — select a row to choose that destination.", unsafe_allow_html=True)
    st.dataframe(table, hide_index=True, height=420, key="map_table", on_select=lambda: _row_chosen(codes),
                 selection_mode="single-row", width="stretch")
    c1, c2 = st.columns(2)
    verdict_csv(c1, state, [chip], list(v["destination"]), key="dl_map_csv", label="Download this chip's verdicts (CSV)",
                detail=chip)
    dots = small_points().merge(small[["destination", "outcome"]], left_on="iso2", right_on="destination")
    figure_downloads(c2, state, "map", lambda: world_map_figure(
        world(), dict(zip(v["id"], v["outcome"])),
        f"{chip} — {state.scenario.id}{' (edited)' if state.scenario.edits else ''}, as of {state.as_of}", small=dots),
        key="dl_map", detail=chip)


def dest_verdicts_all(state, chip: str):
    """One chip's verdict for every destination."""
    from sim.engine.vectorised import verdicts

    return verdicts(state.scenario, state.table[state.table["chip_id"] == chip], as_of=state.as_of, ctx=state.ctx)
