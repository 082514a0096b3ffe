"""The threshold planes: chips against the scenario's current control regions (edits move them)."""

from __future__ import annotations

import streamlit as st

from sim.plots import png_bytes, tpp_dram_figure, tpp_pd_figure

from .state import write_url


def render(state) -> None:
    st.header("Threshold planes")
    dest = st.selectbox("Colour chips by their outcome for", ["CN", "RU", "SA", "AE", "IN", "FR"], key="plane_dest")
    outcome = state.outcomes()[dest]
    table = state.metrics_table()
    zoom = st.toggle("Zoom to the 3A090 threshold area", key="plane_zoom")
    fig1 = tpp_pd_figure(state.scenario, table, outcome, zoom=zoom)
    st.pyplot(fig1, clear_figure=False)
    st.download_button("PNG: TPP × performance density", png_bytes(fig1), file_name="tpp-pd.png", mime="image/png", key="dl_pd")
    fig2 = tpp_dram_figure(state.scenario, table, outcome)
    st.pyplot(fig2, clear_figure=False)
    st.download_button("PNG: TPP × DRAM bandwidth", png_bytes(fig2), file_name="tpp-dram.png", mime="image/png", key="dl_dram")
    write_url(state)
