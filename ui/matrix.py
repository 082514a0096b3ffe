"""Matrix: chips x destinations coloured by outcome; select a cell to see why."""

from __future__ import annotations

import streamlit as st

from sim.destinations import countries

from .common import destination_groups, explanation_box, style_outcomes, summary_line, verdict_csv
from .state import seed_choice, write_url


def render(state) -> None:
    st.header("Which chips may go where?")
    metrics = state.metrics_table().set_index("chip_id")
    c1, c2, c3 = st.columns([2, 2, 3])
    vendors = c1.multiselect("Vendor", sorted(metrics["vendor"].unique()), key="m_vendor")
    segments = c2.multiselect("Segment", ["datacenter", "workstation", "consumer"], key="m_segment")
    groups = destination_groups(state.as_of)
    group = c3.selectbox("Destinations", list(groups), key="m_group")
    keep = metrics.index.to_series()
    if vendors:
        keep = keep[metrics["vendor"].isin(vendors)]
    if segments:
        keep = keep[metrics.loc[keep.index, "segment"].isin(segments)]
    order = metrics.loc[keep.index].sort_values("tpp", ascending=False, na_position="last").index
    dests = [d for d in groups[group] if d in countries().index]
    outcomes = state.outcomes().loc[order, dests]
    if outcomes.empty:
        st.info("No chip matches these filters.")
        return
    names = countries()["name"]
    focus = st.session_state.get("url_dest") if st.session_state.get("url_dest") in dests else dests[0]
    st.markdown(summary_line(outcomes[focus], f"{names[focus]} ({focus})") + f" — {state.scenario.id}, "
                f"as of {state.scenario.as_of(state.as_of)}")
    shown = outcomes.copy()
    shown.insert(0, "TPP", metrics.loc[order, "tpp"].round(0))
    event = st.dataframe(style_outcomes(shown).format({"TPP": "{:,.0f}"}, na_rep="unknown"), key="matrix", on_select="rerun", selection_mode="single-cell",
                         height=min(38 + 35 * len(order), 640))
    cells = getattr(getattr(event, "selection", None), "cells", None) or []
    if cells:
        row, col = cells[0][0], cells[0][1]
        if isinstance(row, int) and row < len(order) and col in dests:
            st.session_state["m_chip"], st.session_state["m_dest"] = order[row], col
    c1, c2 = st.columns(2)
    chip_list = list(order)
    seed_choice("m_chip", chip_list, st.session_state.pop("url_chip", None), "nvidia-h20")
    seed_choice("m_dest", dests, focus)
    chip = c1.selectbox("Chip", chip_list, key="m_chip")
    dest = c2.selectbox("Destination", dests, key="m_dest", format_func=lambda d: f"{d} — {names[d]}")
    explanation_box(state, chip, dest)
    st.download_button("Download these verdicts (CSV)", verdict_csv(state, list(order), dests),
                       file_name=f"chipsim-{state.scenario.id}.csv", mime="text/csv", key="dl_matrix")
    write_url(state, chip, dest)
