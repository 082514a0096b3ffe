"""Sweep: move one threshold across a range and watch every chip's outcome; margins for one chip."""

from __future__ import annotations

import numpy as np
import streamlit as st

from sim.plots import png_bytes, sweep_figure
from sim.sweep import frontier, margin_sentences, margins, prepare

from .state import write_url


def render(state) -> None:
    st.header("Sweep a threshold")
    s = state.scenario
    names = list(s.parameters)
    c1, c2 = st.columns([3, 1])
    default = "3A090.a.1.tpp" if "3A090.a.1.tpp" in names else names[0]
    if st.session_state.get("sw_param") not in names:
        st.session_state["sw_param"] = default
    name = c1.selectbox("Parameter", names, key="sw_param",
                        format_func=lambda n: f"{n} — {s.parameters[n].label or s.parameters[n].unit}")
    dest = c2.selectbox("Destination", ["CN", "MO", "RU", "SA", "AE", "IN", "BR", "FR"], key="sw_dest")
    p = s.parameters[name]
    c1, c2, c3 = st.columns(3)
    lo = c1.number_input("From", value=float(p.value) * 0.2, key=f"sw_lo:{name}", format="%g")
    hi = c2.number_input("To", value=float(p.value) * 4, key=f"sw_hi:{name}", format="%g")
    n = c3.number_input("Points", min_value=2, max_value=2000, value=191, key="sw_n")
    if not hi > lo:
        st.error("'To' must be above 'From'.")
        return
    values = np.linspace(lo, hi, int(n))
    prep = prepare(s, state.table, None, [dest], as_of=state.as_of, ctx=state.ctx)
    fig = sweep_figure(prep, name, values, dest)
    st.pyplot(fig, clear_figure=False)
    st.download_button("PNG: this sweep", png_bytes(fig), file_name=f"sweep-{name}-{dest}.png", mime="image/png",
                       key="dl_sweep")
    st.subheader("Best chip the destination may receive along the sweep")
    st.dataframe(frontier(s, dest, name, values[:: max(1, len(values) // 20)], as_of=state.as_of, ctx=state.ctx,
                          table=state.table), hide_index=True)
    st.subheader("Margins of one chip")
    ids = list(state.table["chip_id"])
    chip = st.selectbox("Chip", ids, index=ids.index("nvidia-h20") if "nvidia-h20" in ids else 0, key="sw_chip")
    frame = margins(s, chip, dest, as_of=state.as_of, ctx=state.ctx, table=state.table)
    lines = [line for line in margin_sentences(frame) if "no change" not in line]
    st.markdown("\n".join(f"- {line}" for line in lines) or "No parameter of this scenario changes this outcome.")
    write_url(state, chip, dest)
