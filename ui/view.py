"""One view state for every screen, mirrored in the URL.

The chosen chip, destination, edits, date and each screen's own settings (compare from/to, filters,
sweep range, ...) live in session state under "v.<name>", never in a widget's key: Streamlit forgets
a widget's value when its screen is not drawn, so a widget here is only a view of the canonical
value (`bound`), written back by its on_change callback. Changing screen therefore keeps every choice,
and `url_params` turns the whole state into the query string, so a link restores the exact view.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from sim.engine.vectorised import ENTITY_LIST
from sim.rules.scenario import TRANSACTIONS

PREFIX = "v."


@dataclass(frozen=True)
class Field:
    url: str  # query-string key
    kind: str  # "str" | "list" | "float" | "int" | "bool"
    default: object = None
    choices: tuple = ()  # the values a "str" field may take (empty: any)
    bounds: tuple = ()  # (low, high) an "int"/"float" field must lie in
    transaction: bool = False  # a screening or transaction answer: unreadable, the verdict card says so


TRUE_WORDS, FALSE_WORDS = ("1", "true", "yes"), ("0", "false", "no")
UNREAD = "_unread_transaction"  # session key: the transaction answers a link gave that could not be read
# transaction answers the sidebar keeps canonical but reads from the link itself (ui.state.init_from_url checks them)
TRANSACTION_ANSWERS = ("hq", "quantity")


# shared choices, then each screen's own settings (the sidebar's widgets keep theirs: screen, scenario,
# transaction; edits and the date are handled by the sidebar through `get`/`put` as well)
FIELDS: dict[str, Field] = {
    "chip": Field("chip", "str"),
    "dest": Field("dest", "str", "CN"),
    "m_group": Field("group", "str", "Key destinations"),
    "vendors": Field("vendor", "list", ()),
    "segments": Field("segment", "list", ()),
    "zoom": Field("zoom", "bool", False),
    "plane_y": Field("plane", "str"),
    "cmp_from": Field("from", "str", "us-2022-10"),
    "cmp_to": Field("to", "str", "current"),
    "cmp_dests": Field("dests", "str", "destination"),
    "tl_all": Field("tl", "bool", False),
    "sw_param": Field("param", "str"),
    "sw_lo": Field("lo", "float"),
    "sw_hi": Field("hi", "float"),
    "sw_n": Field("n", "int", 191, bounds=(2, 2000)),
    "sw_only": Field("only", "bool", True),
    "map_group": Field("mapgroup", "str", "All countries and territories"),
    "fl_owner": Field("owner", "str", "China"),
    "fl_view": Field("flows", "str", "History"),
    "fw_chip": Field("fwchip", "str", "nvidia-h200-sxm"),
    # the transaction: what kind of shipment, and what screening the parties found
    "shipment": Field("ship", "str", "us", choices=TRANSACTIONS, transaction=True),
    "entity_list": Field("el", "str", "none", choices=ENTITY_LIST, transaction=True),
    "meu": Field("meu", "bool", False, transaction=True),
    "mieu": Field("mieu", "bool", False, transaction=True),
    "aff": Field("aff", "bool", False, transaction=True),
}
DEFAULT_CHIP = "nvidia-h20"


def get(name: str, default=None):
    value = st.session_state.get(PREFIX + name)
    if value is None:
        f = FIELDS.get(name)
        return default if default is not None or f is None else f.default
    return value


def put(name: str, value) -> None:
    st.session_state[PREFIX + name] = value


def _copy(widget_key: str, name: str, convert=None) -> None:
    value = st.session_state.get(widget_key)
    put(name, convert(value) if convert else value)
    if name in TRANSACTION_ANSWERS or (name in FIELDS and FIELDS[name].transaction):
        answered()


def answered() -> None:
    """The user set a transaction answer: the link's unreadable ones no longer stand in the verdict card."""
    st.session_state.pop(UNREAD, None)


def bound(widget, label: str, options: list, key: str, name: str, *, fallback=None, **kwargs):
    """A selectbox/radio/segmented control showing canonical `name`; a user's pick becomes the canonical value.

    If the canonical value is not among `options` (a filter hides it), the widget shows `fallback`
    (or the first option) and that becomes the choice.
    """
    current = get(name)
    if current not in options:
        current = fallback if fallback in options else options[0]
    st.session_state[key] = current
    value = widget(label, options, key=key, on_change=_copy, args=(key, name), **kwargs)
    put(name, value)
    return value


def bound_multi(widget, label: str, options: list, key: str, name: str, **kwargs) -> list:
    current = [v for v in (get(name) or ()) if v in options]
    st.session_state[key] = current
    value = widget(label, options, key=key, on_change=_copy, args=(key, name, tuple), **kwargs)
    put(name, tuple(value))
    return list(value)


def bound_value(widget, label: str, key: str, name: str, default, **kwargs):
    """A number input, toggle or checkbox showing canonical `name` (or `default` until the user sets it)."""
    current = get(name)
    st.session_state[key] = default if current is None else current
    value = widget(label, key=key, on_change=_copy, args=(key, name), **kwargs)
    return value


def select(name: str, value) -> None:
    """Choose a value from outside a widget (a click on a chart or a table): every screen follows."""
    if value is not None:
        put(name, value)


# ---------------------------------------------------------------------------------------------
# the URL

def _parse(field: Field, raw):
    if field.kind == "list":
        items = raw if isinstance(raw, list) else [raw]
        return tuple(i for item in items for i in str(item).split(",") if i)
    if isinstance(raw, list):
        raw = raw[-1] if raw else ""
    if field.kind == "float":
        return float(raw)
    if field.kind == "int":
        return int(raw)
    if field.kind == "bool":
        word = str(raw).strip().lower()
        if word not in TRUE_WORDS + FALSE_WORDS:
            raise ValueError(raw)
        return word in TRUE_WORDS
    if field.choices and str(raw).strip().lower() in field.choices:  # el=Listed means el=listed
        return str(raw).strip().lower()
    return str(raw)


def _refusal(field: Field, value) -> str | None:
    """Why a parsed value cannot be used (outside its choices or bounds), or None."""
    if field.choices and value not in field.choices:
        return f"expected one of {', '.join(field.choices)}"
    if field.bounds and not field.bounds[0] <= value <= field.bounds[1]:
        return f"expected a whole number from {field.bounds[0]:,} to {field.bounds[1]:,}"
    return None


def unread_transaction(note: str) -> None:
    """Remember a screening or transaction answer the link gave that could not be read (the card says so)."""
    st.session_state.setdefault(UNREAD, []).append(note)


def load_url_fields() -> list[str]:
    """Each screen's own settings from the link (once per session); returns warnings about values ignored."""
    warnings = []
    for name, field in FIELDS.items():
        if name in ("chip", "dest"):
            continue  # ui.state.init_from_url reads them; `load_choices` checks them against the data
        try:
            raw = st.query_params.get_all(field.url) if field.kind == "list" else st.query_params.get(field.url)
        except Exception:  # noqa: BLE001 - a damaged URL never breaks the app
            raw = None
        if raw in (None, "", []):
            continue
        kind = {"float": "number", "int": "whole number", "bool": "yes/no (1, 0, true, false)"}.get(field.kind, field.kind)
        try:
            value = _parse(field, raw)
        except (TypeError, ValueError):
            refusal = f"expected a {kind}"
        else:
            if field.kind == "float" and value != value:
                continue
            refusal = _refusal(field, value)
        if refusal:
            shown = raw if not isinstance(raw, list) else ",".join(map(str, raw))
            warnings.append(f"Ignored {field.url}={str(shown)[:60]!r} in the link ({refusal}); using "
                            f"{field.default!r} instead.")
            if field.transaction:
                unread_transaction(f"the link's {field.url}={str(shown)[:60]!r} could not be read, so this verdict assumes "
                                   f"{field.default!r} — set it in the sidebar if your screening or shipment differs")
            continue
        put(name, value)
    return warnings


def load_choices(chip_ids: list[str], country_codes) -> list[str]:
    """The chip and destination the link names, checked against this session's data."""
    warnings = []
    chip = st.session_state.pop("url_chip", None)
    if chip is not None:
        if chip in chip_ids:
            put("chip", chip)
        else:
            warnings.append(f"The link names the chip '{chip}', which this session's chip table does not have "
                            "(chips added or uploaded in another session are not part of a link); "
                            f"showing {DEFAULT_CHIP} instead.")
    dest = st.session_state.pop("url_dest", None)
    if dest is not None:
        code = str(dest).strip().upper()
        if code in country_codes:
            put("dest", code)
        else:
            warnings.append(f"The link names the destination '{dest}', which is not an ISO 3166-1 code chipsim knows; "
                            f"showing {FIELDS['dest'].default} instead.")
    return warnings


def _fmt(field: Field, value) -> str | list[str]:
    if field.kind == "list":
        return ",".join(value)
    if field.kind == "bool":
        return "1" if value else "0"
    if field.kind == "float":
        return f"{value:g}"
    return str(value)


def url_params() -> dict:
    """Every canonical choice that differs from its default, as query-string entries."""
    out = {}
    for name, field in FIELDS.items():
        value = get(name)
        if value is None or value == field.default or (field.kind == "list" and not value):
            continue
        out[field.url] = _fmt(field, value)
    return out


def today() -> dt.date:
    return dt.date.today()
