"""Where can this chip go? One chip's outcome for every country, as a world map and a sortable table."""

from __future__ import annotations

import json
from functools import lru_cache

import altair as alt
import streamlit as st

from sim.destinations import DATA, countries
from sim.engine import verdicts
from sim.plots import OUTCOME_COLORS, png_bytes, world_map_figure

from .common import OUTCOMES, summary_line
from .state import seed_choice, write_url


@lru_cache(maxsize=1)
def world() -> dict:
    """Natural Earth 1:110m countries (world-atlas 2.0.2), shipped in sim/data — no download at run time."""
    return json.loads((DATA / "countries-110m.json").read_text())


def render(state) -> None:
    st.header("Where can this chip go?")
    ids = list(state.table.sort_values("chip_id")["chip_id"])
    seed_choice("map_chip", ids, st.session_state.pop("url_chip", None), "nvidia-h20")
    chip = st.selectbox("Chip", ids, key="map_chip")
    v = verdicts(state.scenario, state.table[state.table["chip_id"] == chip], as_of=state.as_of, ctx=state.ctx)
    st.markdown(summary_line(v["outcome"], f"{chip}, all {len(v)} destinations"))
    numeric = countries()["numeric"]
    v["id"] = v["destination"].map(numeric)
    lookup = v[["id", "destination", "destination_name", "outcome", "classification", "rule"]]
    source = alt.Data(values=world(), format=alt.DataFormat(feature="countries", type="topojson"))
    chart = (alt.Chart(source).mark_geoshape(stroke="white", strokeWidth=0.3)
             .transform_lookup(lookup="id", from_=alt.LookupData(lookup, "id", ["destination", "destination_name", "outcome", "rule"]))
             .encode(color=alt.Color("outcome:N", scale=alt.Scale(domain=OUTCOMES, range=[OUTCOME_COLORS[o] for o in OUTCOMES]),
                                     legend=alt.Legend(title="Outcome", orient="bottom")),
                     tooltip=["destination_name:N", "destination:N", "outcome:N", "rule:N"])
             .project("equalEarth").properties(height=420))
    col1, col2 = st.columns([3, 2])
    col1.altair_chart(chart, width="stretch")
    col1.caption("Map: Natural Earth 1:110m (public domain) via world-atlas; small territories appear in the table only.")
    if col1.button("Prepare the map as PNG", key="map_png"):
        fig = world_map_figure(world(), dict(zip(v["id"], v["outcome"])), f"{chip} — {state.scenario.id}")
        col1.download_button("Download map PNG", png_bytes(fig), file_name=f"{chip}-map.png", mime="image/png", key="dl_map")
    col2.dataframe(v[["destination", "destination_name", "outcome", "exception", "review_policy", "rule"]]
                   .sort_values(["outcome", "destination"]), hide_index=True, height=460)
    write_url(state, chip)
