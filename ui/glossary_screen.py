"""Glossary: every acronym and term the app shows, expanded, with its citation (sim.rules.glossary)."""

from __future__ import annotations

import html

import streamlit as st

from sim.rules.glossary import terms


def render(state) -> None:
    st.header("Glossary")
    st.caption("Every acronym the app uses, with where it is written. Country-group members are those of "
               f"{state.as_of}, the date evaluated; License Exceptions cite the rules that grant them. Hover an "
               "underlined acronym anywhere in the app for its line here.")
    query = st.text_input("Find a term", key="gl_query", placeholder="e.g. NAC, D:5, TPP").strip().lower()
    shown = [t for t in terms(state.as_of)
             if not query or query in " ".join((t.term, t.expansion, t.meaning, t.citation) + t.aliases).lower()]
    if not shown:
        st.info(f"No term matches '{query}'.")
    lines = []
    for t in shown:
        line = f"- **{html.escape(t.term)}** — {html.escape(t.expansion)}"
        if t.meaning and t.meaning != t.expansion:
            line += f": {html.escape(t.meaning)}"
        if t.citation:
            line += f" <small>({html.escape(t.citation)})</small>"
        if t.aliases:
            line += f" <small>Also written: {html.escape(', '.join(t.aliases))}.</small>"
        lines.append(line)
    st.markdown("\n".join(lines), unsafe_allow_html=True)
