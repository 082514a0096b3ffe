"""The sidebar: choose the rules and the date, edit any parameter (unit, citation and preset value shown), set the transaction."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from sim.data.destinations import countries
from sim.engine.derived import derived_text, resolve_derived
from sim.engine.vectorised import Context
from sim.errors import ChipsimError
from sim.report.provenance import toml_header
from sim.rules.glossary import linked_parameters
from sim.rules.scenario import EXPORTS, overlay_toml

from . import periods, view
from .common import country_label
from .exports import download
from .loaders import preset
from .state import FIRST_DAY, IN_FORCE, LAST_DAY, SCREENS, AppState, chip_table, resolve
from .words import abbreviate

BADGE = {"in_force": "green", "not_enforced": "orange", "reported": "orange", "proposal": "blue", "proposed": "red",
         "proposal_letter": "red", "hypothetical": "gray"}
GROUP_PREFIX = {"enacted": "Enacted · ", "proposed": "PROPOSED, not law · ", "what-if": "What-if · "}


def _label(pid: str) -> str:
    if pid == IN_FORCE:
        return "Rules in force on the date below"
    return GROUP_PREFIX[preset(pid).group] + periods.option_label(pid)


def _compare_with_base(base_id: str) -> None:
    """One click: the Compare screen, from the rules a proposal extends to the proposal as chosen (with edits)."""
    view.put("cmp_from", base_id)
    view.put("cmp_to", "current")
    st.session_state["screen"] = "Compare"


def _base_and_day(choice: str):
    """The unedited scenario and the date it is evaluated on (the user's date, else the preset's own)."""
    day = view.get("date")
    if choice == IN_FORCE:
        day = day or view.today()
        return resolve(IN_FORCE, day), day
    base = preset(choice)
    return base, day or base.as_of(None)


def _rules_changed() -> None:
    """A new preset: its own date (unless following the date), edits kept where the new preset has them."""
    old, new = view.get("choice"), st.session_state["scenario_choice"]
    if new != IN_FORCE:
        view.put("date", None)
    base, _ = _base_and_day(new)
    edits = view.get("edits") or {}
    kept = {k: v for k, v in edits.items() if k in base.parameters}
    dropped = {k: v for k, v in edits.items() if k not in base.parameters}
    if edits:
        view.put("edits", kept)
        view.put("switch", {"from": old, "to": new, "kept": kept, "dropped": dropped, "all": edits})
    view.put("choice", new)


def _undo_switch() -> None:
    switch = view.get("switch") or {}
    if switch.get("from"):
        st.session_state["scenario_choice"] = switch["from"]
        view.put("choice", switch["from"])
        view.put("edits", dict(switch.get("all", {})))
    view.put("switch", None)


def _drop_edits() -> None:
    view.put("edits", {})
    view.put("switch", None)


def _date_changed() -> None:
    view.put("date", st.session_state["as_of"])


def _phase_changed(starts: dict) -> None:
    view.put("date", starts[st.session_state["phase_pick"]])


def _param_changed(name: str, preset_value: float) -> None:
    value = st.session_state.get(f"param:{name}")
    if isinstance(value, dt.date):  # a date parameter holds its day ordinal
        value = float(value.toordinal())
    edits = dict(view.get("edits") or {})
    if value is None or value == preset_value:
        edits.pop(name, None)
    else:
        edits[name] = float(value)
    view.put("edits", edits)


def _move_both(names: tuple[str, ...], value: float) -> None:
    edits = dict(view.get("edits") or {})
    for name in names:
        edits[name] = value
    view.put("edits", edits)


def _rules_and_date(sb):
    """Rules picker, the one date control, phases and the period warning; returns (base, day, phase label)."""
    choice = sb.selectbox("Rules", [IN_FORCE] + periods.grouped_presets(), format_func=_label, key="scenario_choice",
                          on_change=_rules_changed, help="Enacted rules first (each with its period: when it took "
                          "effect and what replaced it), then proposals under debate (bills, letters: not law). "
                          "'Rules in force on the date below' follows the date.")
    view.put("choice", choice)
    base, day = _base_and_day(choice)
    st.session_state["as_of"] = day
    sb.date_input("Evaluate on", key="as_of", min_value=FIRST_DAY, max_value=LAST_DAY, on_change=_date_changed,
                  help="The date the rules are read on: dated rule parts, country-group changes and phases follow it. "
                       "For a preset the default is its own date; 'Rules in force' defaults to today.")
    phase = ""
    ph = periods.phases(base)
    if ph:
        current = periods.phase_on(base, day) or ph[0]
        starts = {p.id: p.start for p in ph}
        st.session_state["phase_pick"] = current.id
        sb.radio("Phase of this preset", list(starts), key="phase_pick", on_change=_phase_changed, args=(starts,),
                 format_func=lambda pid: periods.phase_label(next(p for p in ph if p.id == pid)),
                 help="Choosing a phase sets the date to its first day.")
        phase = f"{current.id}: {current.label}"
    warning = None if choice == IN_FORCE else periods.period_warning(base, day)
    start, end = periods.period(base)
    sb.markdown(f"**{base.title}**  \n:{BADGE.get(base.status, 'gray')}-background[{periods.status_text(base)}]"
                + (f" · period {start} to {end}" if end else "") + f"  \n<small>{abbreviate(base.citation)}</small>",
                unsafe_allow_html=True)
    if warning:
        sb.warning(warning, icon="⚠️")
    if base.group == "proposed" and base.extends:
        sb.button(f"Compare with the rules it extends ({base.extends})", key="cmp_bill", on_click=_compare_with_base,
                  args=(base.extends,), help="Opens Compare: every pair this proposal would change, and why")
    return choice, base, day, phase


def _parameter_field(name: str, p, edits: dict) -> None:
    """One threshold's field: plain words for a label, the id and citation in its tooltip, its preset value
    beside it once edited; a derived threshold is shown, not edited."""
    key = f"param:{name}"
    if p.derived is not None:  # computed from the chip table: shown, not edited
        st.caption(f"**{p.plain_label}** (`{name}`): derived from the chip table — {p.label}")
        return
    if p.is_date:
        st.session_state[key] = dt.date.fromordinal(int(edits.get(name, p.value)))
        st.date_input(p.plain_label, key=key, on_change=_param_changed, args=(name, p.value),
                      min_value=dt.date.fromordinal(int(p.sane_range[0])),
                      max_value=dt.date.fromordinal(int(p.sane_range[1])),
                      help=f"`{name}`: {p.label}. {p.citation}. Preset value {p.text()}.")
        if name in edits:
            st.caption(f"✎ edited — preset value {p.text()}")
        return
    st.session_state[key] = float(edits.get(name, p.value))
    lo, hi = p.sane_range
    st.number_input(p.plain_label, key=key, format="%g", on_change=_param_changed, args=(name, p.value),
                    min_value=lo, max_value=hi if hi < float("inf") else None,
                    help=f"`{name}`: {p.label}. {p.citation}. Stricter: {p.stricter}. "
                         f"Preset value {p.value:g} {p.unit}.")
    if name in edits:
        st.caption(f"✎ edited — preset value {p.value:g} {p.unit}")


def _parameters(sb, base) -> dict:
    """Parameter inputs bound to the canonical edits; returns the edits that apply to `base`."""
    url_edits = st.session_state.pop("url_edits", None)
    if url_edits is not None:  # first run: the link's edits
        unknown = [k for k in url_edits if k not in base.parameters]
        if unknown:
            sb.warning("Ignored unknown parameter(s) from the link: " + ", ".join(unknown))
        refused = []
        for k, v in list(url_edits.items()):
            if k in base.parameters:
                try:
                    base.parameters[k].check(v)
                except ChipsimError as exc:
                    refused.append(str(exc))
                    url_edits.pop(k)
        if refused:
            st.warning("Ignored from the link: " + "; ".join(refused) + ".")
        view.put("edits", {k: v for k, v in url_edits.items() if k in base.parameters and v != base.parameters[k].value})
    edits = {k: v for k, v in (view.get("edits") or {}).items() if k in base.parameters}
    switch = view.get("switch")
    if switch and switch.get("shown"):  # a notice lives until the user's next action
        view.put("switch", None)
        switch = None
    if switch:
        view.put("switch", {**switch, "shown": True})
        kept = ", ".join(f"{k} = {v:g}" for k, v in switch["kept"].items())
        dropped = ", ".join(f"{k} = {v:g}" for k, v in switch["dropped"].items())
        sb.info(f"Rules changed to {switch['to'] if switch['to'] != IN_FORCE else 'the rules in force'}. "
                + (f"Your edits kept: {kept}. " if kept else "")
                + (f"Not parameters of these rules, so set aside: {dropped}." if dropped else ""))
        c1, c2 = sb.columns(2)
        c1.button("Undo", key="undo_switch", on_click=_undo_switch, help="Back to the previous rules with all your edits")
        if kept:
            c2.button("Use preset values", key="drop_edits", on_click=_drop_edits)
    box = sb.expander(f"Parameters ({len(base.parameters)})", key="params_open", on_change="rerun")
    if box.open:  # built only when opened: every other rerun skips up to 26 widgets (benchmarks/app_rerun.py --browser)
        with box:
            for name, p in base.parameters.items():
                _parameter_field(name, p, edits)
    for link in linked_parameters(base.parameters):
        values = {n: edits.get(n, base.parameters[n].value) for n in link.names}
        if len(set(values.values())) > 1 and any(n in edits for n in link.names):
            moved = next(n for n in link.names if n in edits)
            said = {n: f"“{base.parameters[n].words}” (`{n}`)" for n in link.names}
            sb.warning(f"The regulation ties {' and '.join(said.values())}: {link.why} ({link.citation}). "
                       f"You changed {said[moved]} only: " + ", ".join(f"{n} = {v:g}" for n, v in values.items())
                       + ".")
            sb.button(f"Move both to {edits[moved]:g}", key=f"tie:{moved}", on_click=_move_both,
                      args=(link.names, edits[moved]))
    return edits


SHIPMENTS = {"us": "Export from the US", "reexport": "Re-export (from abroad)", "transfer": "In-country transfer",
             "remote_access": "Remote access (cloud) by a party there"}
ENTITY_LIST = {"none": "No listed party", "listed": "On the Entity List (any entry)",
               "fn1": "Entity List, footnote 1 (Huawei and affiliates)",
               "fn3": "Entity List, footnote 3 (Russian/Belarusian military end users)",
               "fn4": "Entity List, footnote 4 (advanced computing)"}
SAME_AS_DESTINATION = "(same as destination)"


def _transaction(sb, base) -> Context:
    """Who buys, how it ships, and what screening found; screening defaults to 'nobody listed'.

    The answers live in the canonical view state (ui.view), so the box builds its widgets only when open
    and every rerun with it closed skips them (benchmarks/app_rerun.py --browser)."""
    url_hq = st.session_state.pop("url_hq", None)
    if url_hq is not None:
        view.put("hq", url_hq)
    if st.session_state.pop("reexport", False):  # older links: reexport=1
        view.put("shipment", "reexport")
    kinds = [k for k in SHIPMENTS if k in EXPORTS or k in base.transactions]
    if view.get("shipment") not in kinds:
        if view.get("shipment") in SHIPMENTS:
            sb.warning(f"{SHIPMENTS[view.get('shipment')]} is not a transaction {base.id} regulates (only a scenario "
                       "that adopts the Remote Access Security Act does): evaluating an export from the US instead.")
        view.put("shipment", kinds[0])
    hq = view.get("hq")
    ctx = Context(hq=hq if hq in countries().index else None, export=view.get("shipment"),
                  quantity=float(view.get("quantity", 1.0)), entity_list=view.get("entity_list"),
                  military_end_use=bool(view.get("meu")), military_intelligence=bool(view.get("mieu")),
                  listed_affiliate=bool(view.get("aff")))
    screened = (ctx.entity_list != "none" or ctx.military_end_use or ctx.military_intelligence or ctx.listed_affiliate
                or bool(st.session_state.get(view.UNREAD)))
    if screened:  # a screening answer (or one a link gave and we could not read) is shown, not tucked away
        st.session_state.setdefault("tx_open", True)
    said = [text for differs, text in ((ctx.hq, f"headquarters {ctx.hq}"),
                                       (ctx.export != "us", SHIPMENTS[ctx.export].lower()),
                                       (ctx.quantity != 1, f"{ctx.quantity:g} units")) if differs]
    # the box's title says what differs from a plain export, so a closed box hides nothing that changes a verdict
    box = sb.expander("Transaction and end-user screening" + (" ⚠" if screened else "")
                      + (f" — {', '.join(said)}" if said else ""), key="tx_open", on_change="rerun")
    if box.open:  # its widgets show the answers above; a change reaches them through the widget's callback rerun
        with box:
            _transaction_fields(kinds)
    return ctx


def _transaction_fields(kinds: list[str]) -> None:
    """The transaction's widgets, each a view of its canonical answer; setting one clears a link's unread flag."""
    view.bound(st.selectbox, "End user headquartered in", [SAME_AS_DESTINATION] + list(countries().index),
               "hq_choice", "hq", format_func=lambda c: c if c == SAME_AS_DESTINATION else country_label(c))
    view.bound(st.radio, "Shipment", kinds, "shipment_pick", "shipment", format_func=SHIPMENTS.get)
    view.bound_value(st.number_input, "Quantity (units)", "quantity_w", "quantity", 1.0, min_value=1.0, step=1.0,
                     format="%g")
    st.caption("Screening: chipsim cannot check a party against the lists; say what your screening found.")
    view.bound(st.selectbox, "Entity List (15 CFR 744.11)", list(ENTITY_LIST), "entity_pick", "entity_list",
               format_func=ENTITY_LIST.get)
    for name, label, cite in (("meu", "Known military end use or end user", "15 CFR 744.21"),
                              ("mieu", "Known military-intelligence end use or end user", "15 CFR 744.22"),
                              ("aff", "Owned 50 %+ by listed parties", "Affiliates rule, 2025-09-29")):
        view.bound_value(st.checkbox, f"{label} ({cite})", f"{name}_pick", name, False)


def render() -> AppState:
    sb = st.sidebar
    sb.title("chipsim")
    screen = sb.radio("Screen", SCREENS, key="screen")
    choice, base, day, phase = _rules_and_date(sb)
    edits = _parameters(sb, base)
    scenario = base.with_values(edits) if edits else base
    table = chip_table()
    if scenario.has_derived:  # a threshold derived from the chip table on this day (China's best chip)
        scenario = resolve_derived(scenario, table, day, force=True)
        for p in scenario.parameters.values():
            if p.derived is not None:
                sb.info(f"**{p.words}** (`{p.name}`, derived): {derived_text(p)}.", icon="🧮")

    ctx = _transaction(sb, base)
    state = AppState(scenario=scenario, as_of=day, ctx=ctx, table=table, screen=screen, choice=choice, phase=phase)
    if edits:
        prov = state.provenance()
        text = (toml_header(prov) + overlay_toml(base, edits, sid=f"{base.id}-edited")).encode("utf-8")
        download(sb, "Download edited scenario (.toml)", "dl_scenario", prov.file_name("scenario", "toml"),
                 "application/toml", lambda: text)
    return state
