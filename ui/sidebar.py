"""The sidebar: choose the rules, edit any parameter (unit, citation and preset value shown), set the transaction."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from sim.destinations import countries
from sim.engine import Context
from sim.scenario import overlay_toml, preset_ids

from .state import FIRST_DAY, IN_FORCE, LAST_DAY, SCREENS, AppState, chip_table, preset, resolve

BADGE = {"in_force": ":green-background[in force]", "not_enforced": ":orange-background[not enforced]",
         "reported": ":orange-background[reported, unpublished]", "proposal": ":blue-background[proposal]",
         "hypothetical": ":gray-background[hypothetical]"}


def _label(pid: str) -> str:
    if pid == IN_FORCE:
        return "Rules in force on a date…"
    s = preset(pid)
    return f"{pid} [{s.status_label}]"


def render() -> AppState:
    sb = st.sidebar
    sb.title("chipsim")
    screen = sb.radio("Screen", SCREENS, key="screen")
    choice = sb.selectbox("Rules", [IN_FORCE] + preset_ids(), format_func=_label, key="scenario_choice")
    if "use_as_of" not in st.session_state:
        st.session_state["use_as_of"] = "as_of" in st.session_state
    use_date = choice == IN_FORCE or sb.checkbox("Evaluate on a specific date", key="use_as_of")
    as_of = None
    if use_date:
        st.session_state.setdefault("as_of", dt.date.today())
        as_of = sb.date_input("As of", key="as_of", min_value=FIRST_DAY, max_value=LAST_DAY)
    base = resolve(choice, as_of)
    sb.markdown(f"**{base.title}**  \n{BADGE.get(base.status, base.status)} · effective {base.effective}  \n"
                f"<small>{base.citation}</small>", unsafe_allow_html=True)

    edits = {}
    url_edits = st.session_state.pop("url_edits", {}) or {}
    unknown = [k for k in url_edits if k not in base.parameters]
    if unknown:
        sb.warning("Ignored unknown parameter(s) from the link: " + ", ".join(unknown))
    with sb.expander(f"Parameters ({len(base.parameters)})", expanded=False):
        for name, p in base.parameters.items():
            key = f"param:{base.id}:{name}"
            if key not in st.session_state:
                st.session_state[key] = float(url_edits.get(name, p.value))
            value = st.number_input(f"{name} ({p.unit})", key=key, format="%g",
                                    help=f"{p.label}. {p.citation}. Stricter: {p.stricter}. Preset value {p.value:g}.")
            if value != p.value:
                edits[name] = value
                st.caption(f"✎ edited — preset value {p.value:g}")
    scenario = base.with_values(edits) if edits else base

    with sb.expander("Transaction", expanded=False):
        codes = list(countries().index)
        hq_options = ["(same as destination)"] + codes
        url_hq = st.session_state.pop("url_hq", None)
        if url_hq in codes and "hq_choice" not in st.session_state:
            st.session_state["hq_choice"] = url_hq
        hq = st.selectbox("End user headquartered in", hq_options, key="hq_choice",
                          format_func=lambda c: c if c.startswith("(") else f"{c} — {countries().at[c, 'name']}")
        reexport = st.checkbox("Re-export (not an export from the US)", key="reexport")
        st.session_state.setdefault("quantity", 1.0)
        quantity = st.number_input("Quantity (units)", min_value=1.0, step=1.0, key="quantity", format="%g")
    ctx = Context(hq=None if hq.startswith("(") else hq, export="reexport" if reexport else "us", quantity=float(quantity))
    if edits:
        sb.download_button("Download edited scenario (.toml)", overlay_toml(base, edits, sid=f"{base.id}-edited"),
                           file_name=f"{base.id}-edited.toml", mime="application/toml", key="dl_scenario")
    return AppState(scenario=scenario, as_of=as_of, ctx=ctx, table=chip_table(), screen=screen)
