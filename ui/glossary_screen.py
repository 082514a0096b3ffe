"""Glossary: every acronym and term the app shows, expanded, with its citation (sim.glossary)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from sim.glossary import terms


def render(state) -> None:
    st.header("Glossary")
    st.caption("Every acronym the app uses, with where it is written. Country-group members are those of "
               f"{state.as_of}, the date evaluated; License Exceptions cite the rules that grant them. Hover an "
               "underlined acronym anywhere in the app for its line here.")
    query = st.text_input("Find a term", key="gl_query", placeholder="e.g. NAC, D:5, TPP")
    rows = pd.DataFrame([{"term": t.term, "stands for": t.expansion, "meaning": t.meaning, "citation": t.citation,
                          "also written": ", ".join(t.aliases)} for t in terms(state.as_of)])
    if query:
        q = query.strip().lower()
        rows = rows[rows.apply(lambda r: q in " ".join(r.astype(str)).lower(), axis=1)]
    st.dataframe(rows, hide_index=True, width="stretch", height=min(38 + 35 * len(rows), 900),
                 column_config={"meaning": st.column_config.TextColumn(width="large"),
                                "citation": st.column_config.TextColumn(width="medium")})
