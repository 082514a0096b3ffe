"""Compare two scenarios (or a preset and your edit of it): changed pairs, transitions, per-chip migrations."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from sim.scenario import preset_ids

from .common import destination_groups, style_outcomes
from .state import preset, write_url

CURRENT = "(the rules chosen in the sidebar, with edits)"


def render(state) -> None:
    st.header("Compare scenarios")
    c1, c2 = st.columns(2)
    left = c1.selectbox("From", preset_ids(), index=0, key="cmp_from")
    right = c2.selectbox("To", [CURRENT] + preset_ids(), index=0, key="cmp_to")
    groups = destination_groups(state.as_of)
    group = st.selectbox("Destinations", list(groups), key="cmp_group")
    dests = groups[group]
    a_s = preset(left)
    b_s = state.scenario if right == CURRENT else preset(right)
    a = state.outcomes_of(a_s)[dests]
    b = (state.outcomes() if right == CURRENT else state.outcomes_of(b_s))[dests]
    long = pd.DataFrame({"from": a.stack(), "to": b.stack()})
    changed = long[long["from"] != long["to"]].reset_index()
    changed.columns = ["chip_id", "destination", "from", "to"]
    st.markdown(f"**{len(changed)}** of {len(long)} pairs change outcome from `{a_s.id}` to `{b_s.id}`"
                + (" (edited)" if right == CURRENT and b_s.edits else "") + ".")
    write_url(state)
    if changed.empty:
        return
    counts = changed.groupby(["from", "to"]).size().rename("pairs").reset_index().sort_values("pairs", ascending=False)
    st.dataframe(counts, hide_index=True)
    per_chip = changed.groupby(["chip_id", "from", "to"]).size().rename("destinations").reset_index()
    st.subheader("Per-chip migrations")
    st.dataframe(style_outcomes(per_chip), hide_index=True)
    with st.expander("Every changed pair"):
        st.dataframe(style_outcomes(changed), hide_index=True)
