"""Shared app state: cached data, the chosen rules, the URL as the source of truth for a shareable view."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from sim import with_metrics
from sim.data.destinations import countries
from sim.engine.vectorised import Context, outcome_matrix
from sim.errors import ChipsimError
from sim.rules.scenario import Scenario, in_force_on, preset_ids

from . import periods, view
from .loaders import bundled_chips, preset

SCREENS = ["Matrix", "Where can this chip go?", "Threshold planes", "Compare", "Timeline", "Sweep", "Compute flows", "Data",
           "Method", "Glossary"]
IN_FORCE = "rules in force on a date"
FIRST_DAY, LAST_DAY = dt.date(2022, 8, 26), dt.date(2030, 12, 31)  # the dates the date picker offers
MAX_LINK_EDITS = 100  # `set=` entries read from a link; a scenario has a few dozen parameters


# The caches below are shared by every session and hand out the cached object itself (cache_resource, not
# cache_data's unpickled copy per call): callers read them and never modify them. Their arguments that are
# large (a scenario, the chip table) go unhashed behind a `key` that names them; hashing the chip table on
# every call cost more than the verdicts it guarded (py-spy, benchmarks/app_rerun.py --browser).


@st.cache_resource(show_spinner=False, max_entries=64)
def cached_outcomes(_scenario: Scenario, key: tuple, _table: pd.DataFrame, as_of, ctx: Context) -> pd.DataFrame:
    """Outcome words for every chip x destination; `key` identifies scenario + edits + table for the cache."""
    return outcome_matrix(_scenario, _table, None, as_of=as_of, ctx=ctx)


@st.cache_resource(show_spinner=False, max_entries=16)
def _metrics(table_key: str, _table: pd.DataFrame) -> pd.DataFrame:
    return with_metrics(_table)


def fingerprint(table: pd.DataFrame) -> str:
    """A digest of a chip table's content: the bundled table's is computed once, a user's table's once per run."""
    return hashlib.sha1(pd.util.hash_pandas_object(table, index=True).to_numpy().tobytes()).hexdigest()


@st.cache_resource(show_spinner=False)
def _bundled_fingerprint() -> str:
    return fingerprint(bundled_chips())


@dataclass
class AppState:
    scenario: Scenario
    as_of: dt.date | None
    ctx: Context
    table: pd.DataFrame  # bundled + uploaded/hypothetical chips
    screen: str
    choice: str = ""  # the sidebar's rules choice: a preset id or IN_FORCE
    phase: str = ""  # label of the preset's phase evaluated, if it has phases
    table_key: str = ""  # the chip table's fingerprint (`table_key`): caches name the table by it

    def __post_init__(self) -> None:
        if not self.table_key:
            self.table_key = table_key(self.table)

    def provenance(self):
        """What every export names: scenario, edits, date, phase, chip table, chipsim version."""
        from sim.report.provenance import describe, table_label

        added = st.session_state.get("user_chip_sources", [])
        return describe(self.scenario, self.as_of, phase=self.phase, uploaded=bool(added), ctx=self.ctx,
                        chip_table=table_label(len(bundled_chips()), added, st.session_state.get("replaced_chips", [])))

    @property
    def key(self) -> tuple:
        return (self.scenario.id, tuple(sorted(self.scenario.edits.items())), str(self.as_of), self.ctx,
                self.table_key)

    def outcomes(self) -> pd.DataFrame:
        return cached_outcomes(self.scenario, self.key, self.table, self.as_of, self.ctx)

    def outcomes_of(self, scenario: Scenario, day=None) -> pd.DataFrame:
        """Outcomes of another (unedited) scenario for this session's chips and transaction."""
        key = (scenario.id, (), str(day), self.ctx, self.table_key)
        return cached_outcomes(scenario, key, self.table, day, self.ctx)

    def metrics_table(self) -> pd.DataFrame:
        return _metrics(self.table_key, self.table)


def chip_table() -> pd.DataFrame:
    """Bundled chips plus whatever the user added this session (never written anywhere); a bundled row the
    user chose to replace gives way to theirs."""
    extra = st.session_state.get("user_chips")
    base = bundled_chips()
    if extra is None or extra.empty:
        return base
    base = base[~base["chip_id"].isin(st.session_state.get("replaced_chips", []))]
    return pd.concat([base, extra], ignore_index=True)


def table_key(table: pd.DataFrame) -> str:
    """What caches call a chip table: the bundled one by its digest computed once, any other by its content."""
    return _bundled_fingerprint() if table is bundled_chips() else fingerprint(table)


def _qp_get(name, default=None):
    try:
        value = st.query_params.get(name)
    except Exception:  # noqa: BLE001 - a damaged URL must never break the app
        return default
    return default if value in (None, "") else value


def _unread(warnings: list[str], key: str, raw, expected: str, assumed: str) -> None:
    """A transaction answer in the link that cannot be read: a notice now, and a flag in the verdict card."""
    shown = str(raw)[:60]
    warnings.append(f"Ignored {key}={shown!r} in the link (expected {expected}); using {assumed} instead.")
    view.unread_transaction(f"the link's {key}={shown!r} could not be read, so this verdict assumes {assumed} — set it "
                            "in the sidebar")


def init_from_url() -> list[str]:
    """Seed widget state from the URL once per session; returns warnings about what was ignored."""
    if st.session_state.get("_url_loaded"):
        return []
    st.session_state["_url_loaded"] = True
    warnings = []
    scen = _qp_get("scenario", "us-2026-01")
    if scen != IN_FORCE and scen not in preset_ids():
        warnings.append(f"Unknown scenario '{scen}' in the link; showing us-2026-01.")
        scen = "us-2026-01"
    st.session_state["scenario_choice"] = scen
    as_of = _qp_get("as_of")
    if as_of:
        try:
            day = dt.date.fromisoformat(as_of)
        except ValueError:
            warnings.append(f"Ignored the date '{as_of}' in the link (expected YYYY-MM-DD).")
        else:
            if FIRST_DAY <= day <= LAST_DAY:
                st.session_state["as_of"] = day
            else:
                warnings.append(f"Ignored the date {as_of} in the link: chipsim covers {FIRST_DAY} to {LAST_DAY}.")
    screen = _qp_get("screen", SCREENS[0])
    if screen not in SCREENS:
        warnings.append(f"Ignored screen={str(screen)[:60]!r} in the link (expected one of: {', '.join(SCREENS)}); "
                        f"showing {SCREENS[0]}.")
    st.session_state["screen"] = screen if screen in SCREENS else SCREENS[0]
    for key in ("chip", "dest"):
        if _qp_get(key):
            st.session_state[f"url_{key}"] = _qp_get(key)
    hq = _qp_get("hq")
    if hq:
        code = str(hq).strip().upper()
        if code in countries().index:
            st.session_state["url_hq"] = code
        else:
            _unread(warnings, "hq", hq, "an ISO 3166-1 code chipsim knows", "the end user headquartered at the destination")
    if _qp_get("reexport") == "1":
        st.session_state["reexport"] = True
    qty_raw = _qp_get("qty")
    if qty_raw is not None:
        try:
            qty = float(qty_raw)
        except ValueError:
            qty = math.nan
        if math.isfinite(qty) and qty >= 1:
            view.put("quantity", qty)
        else:
            _unread(warnings, "qty", qty_raw, "a number of units, 1 or more", "1 unit")
    edits, bad = {}, []
    items = st.query_params.get_all("set")
    if len(items) > MAX_LINK_EDITS:
        warnings.append(f"The link sets {len(items):,} parameters; read the first {MAX_LINK_EDITS} and ignored the rest "
                        "(no scenario has that many).")
    for item in items[:MAX_LINK_EDITS]:
        name, _, value = item.partition(":")
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if len(name) > 200 or not math.isfinite(number):
            bad.append(item if len(item) <= 60 else item[:57] + "...")
        else:
            edits[name] = number
    if bad:
        more = f" and {len(bad) - 5:,} more" if len(bad) > 5 else ""
        warnings.append(f"Ignored parameter(s) {', '.join(repr(b) for b in bad[:5])}{more} in the link "
                        "(expected NAME:NUMBER with a finite number).")
    st.session_state["url_edits"] = edits
    return warnings


def write_url(state: AppState, chip: str | None = None, dest: str | None = None) -> None:
    """Keep the URL equal to the view (ui.view holds every choice), so copying it shares exactly this view."""
    params = {"screen": state.screen, "scenario": state.choice or st.session_state.get("scenario_choice", state.scenario.id)}
    if view.get("date") is not None and state.as_of:
        params["as_of"] = state.as_of.isoformat()
    params.update({k: v for k, v in view.url_params().items() if k not in params})
    if state.ctx.hq:
        params["hq"] = state.ctx.hq
    if state.ctx.quantity != 1:
        params["qty"] = f"{state.ctx.quantity:g}"
    sets = [f"{k}:{v:g}" for k, v in state.scenario.edits.items()]
    current = {k: st.query_params.get_all(k) if k == "set" else st.query_params.get(k) for k in st.query_params.keys()}
    wanted = {**params, **({"set": sets} if sets else {})}
    if current != wanted:
        st.query_params.from_dict(wanted)


def seed_choice(key: str, options: list, preferred, fallback=None) -> None:
    """Make widget `key` hold a valid option: keep it, else the preferred one (e.g. from the link), else a fallback."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = next((o for o in (preferred, fallback) if o in options), options[0])


def resolve(choice: str, as_of) -> Scenario:
    if choice == IN_FORCE:
        return in_force_on(as_of or dt.date.today())
    return preset(choice)


def safe(fn, *args, **kwargs):
    """Run a sim call; a ChipsimError becomes a visible message instead of a traceback."""
    try:
        return fn(*args, **kwargs)
    except ChipsimError as exc:
        st.error(str(exc))
        return None


def load_view() -> list[str]:
    """Once per session: the whole view from the link; returns warnings about anything ignored."""
    if st.session_state.get("_view_loaded"):
        return []
    warnings = init_from_url()
    st.session_state["_view_loaded"] = True
    day = st.session_state.pop("as_of", None)
    if day is not None:
        view.put("date", day)
    warnings += view.load_url_fields()
    warnings += view.load_choices(list(chip_table()["chip_id"]), countries().index)
    wanted = st.query_params.get("phase")
    choice = st.session_state.get("scenario_choice")
    if wanted:
        ph = {p.id: p for p in periods.phases(preset(choice))} if choice and choice != IN_FORCE else {}
        if wanted in ph:
            view.put("date", ph[wanted].start)
        else:
            warnings.append(f"Ignored phase '{wanted}' in the link: "
                            + (f"{choice} has the phases {', '.join(ph)}." if ph else f"{choice} has no phases."))
    view.put("choice", choice)
    return warnings
