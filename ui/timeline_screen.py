"""Timeline: for one destination, every chip's outcome at each rule change since October 2022."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from sim.api import change_dates
from sim.destinations import countries
from sim.scenario import in_force_on

from .common import style_outcomes
from .state import seed_choice, write_url


def render(state) -> None:
    st.header("Timeline of the rules in force")
    codes = list(countries().index)
    seed_choice("tl_dest", codes, st.session_state.pop("url_dest", None), "CN")
    dest = st.selectbox("Destination", codes, key="tl_dest", format_func=lambda c: f"{c} — {countries().at[c, 'name']}")
    columns = {}
    for day in change_dates():
        s = in_force_on(day)
        columns[f"{day} {s.id}"] = state.outcomes_of(s, day)[dest]
    frame = pd.DataFrame(columns)
    changed = frame.T.ne(frame.T.shift()).T
    changed.iloc[:, 0] = True
    only_changes = st.toggle("Only dates where something changed for this destination", value=True, key="tl_changes")
    if only_changes:
        keep = [c for c in frame.columns if changed[c].any()]
        frame = frame[keep]
    st.caption("Columns: the date of each change in rules or country groups, and the enforced preset that day.")
    st.dataframe(style_outcomes(frame), height=min(38 + 35 * len(frame), 640))
    write_url(state, dest=dest)
