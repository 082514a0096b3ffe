"""Rule scenarios as data: dated, cited presets in TOML, overlays that state only their change.

A scenario holds named parameters (value, unit, stricter direction, effective date, legal
reference), named destination sets, an ordered list of classification rules and one or more
ordered chains of licensing rules, all as structured predicates (never code to evaluate). A file
with `extends = "<id>"` is an overlay: it inherits everything from its base and replaces or adds
only what it names — the OpenFisca/PolicyEngine "reform" habit, so a variant never copies the law.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import re
import tomllib
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from ..data.destinations import in_force, parse_date
from ..errors import ChipsimError, unknown_name

RULES_DIR = Path(__file__).resolve().parent  # the presets sit beside their loader
STATUSES = {
    "in_force": "in force",
    "not_enforced": "not enforced",
    "reported": "reported, unpublished",
    "proposal": "proposal",
    "proposed": "proposed bill (not law)",
    "proposal_letter": "proposal letter (not law)",
    "hypothetical": "hypothetical",
}
# what a rule picker groups by: law (enacted, incl. unpublished letters and a rule written but not enforced),
# proposals under debate (bills, letters), and what-ifs (a user's variants)
STATUS_GROUPS = {"in_force": "enacted", "not_enforced": "enacted", "reported": "enacted",
                 "proposal": "proposed", "proposed": "proposed", "proposal_letter": "proposed",
                 "hypothetical": "what-if"}
LAW_STATUSES = ("in_force", "not_enforced", "reported")
OUTCOMES = ("allowed", "exception", "license", "denied", "indeterminate")
SEVERITY = {"allowed": 0, "exception": 1, "license": 2, "denied": 3}
NOT_CONTROLLED = "not controlled"
OPS = (">=", ">", "<", "<=")
METRICS = ("tpp", "pd", "dram_bw_gbps", "io_bw_gbps", "dram_plus_io_gbps", "memory_bw_density_gbps_mm2",
           "consignment_tpp", "h100e", "us_available", "interconnect_bw_gbps", "dram_plus_interconnect_gbps")
DATE_METRICS = ("us_available",)  # dated chip facts (day ordinals), compared with parameters of unit "date"
DATE_UNIT = "date"
FLAGS = ("datacenter", "hbm_item", "consumer", "foreign_made", "foreign_designed")
EXPORTS = ("us", "reexport", "transfer")
# transaction types a Context may name: the three the EAR knows, plus remote (cloud) access, which only a
# scenario that adopts it (`transactions = ["remote_access"]`, the Remote Access Security Act) regulates
TRANSACTIONS = EXPORTS + ("remote_access",)
TRANSACTION_WORDS = {"us": "export from the US", "reexport": "re-export from abroad", "transfer": "in-country transfer",
                     "remote_access": "remote access by a party in the destination (evaluated as an export from the US)"}
# what the transaction says about the parties (end-user screening; 15 CFR 744.11, 744.21, 744.22)
PARTIES = ("entity_list", "entity_list_fn3", "entity_list_fdp", "military_end_use", "military_intelligence",
           "listed_affiliate")
# readings the regulation leaves open that change a rule's reach, not a metric (sim/rules/conventions.py)
RULE_CONVENTIONS = {"is_informed_scope": ("below-3a090", "all")}
LAYERS_DIR = RULES_DIR / "layers"
NOT_AN_EXPORT = "not_an_export"  # destination set: a "destination" inside the exporting country is no export


@dataclass(frozen=True)
class Parameter:
    """One threshold of the law: value, unit, which way is stricter, and where it is written."""

    name: str
    value: float
    unit: str
    stricter: str  # "lower" or "higher": the direction that makes the rule catch more
    citation: str
    label: str = ""
    # the plain words a screen labels it with: no id and no value, so an edit never contradicts its label
    short: str = ""
    effective: str = ""
    evidence: str = ""
    preset_value: float | None = None  # the value in the preset, before any user edit
    # a parameter derived from the chip table instead of stated (e.g. "the best TPP among chips designed in
    # China in volume production on the evaluation date, times 1 + margin"): the spec, and once resolved
    # against a table and a date (sim/engine/derived.py) the basis, the chip that sets it and since when
    derived: dict | None = None
    basis: float | None = None
    basis_chip: str = ""
    basis_since: str = ""
    resolved_on: dt.date | None = None

    @property
    def edited(self) -> bool:
        return self.preset_value is not None and self.value != self.preset_value

    @property
    def words(self) -> str:
        """The plain words, or the id when a user's own rule file gives none."""
        return self.short or self.name

    @property
    def plain_label(self) -> str:
        """What a reader sees: the plain words and the unit (unless the words already name it, as "TPP at
        least" does)."""
        named = self.is_date or self.unit.split()[0].lower() in self.words.lower().split()
        return self.words if named else f"{self.words} ({self.unit})"

    @property
    def is_date(self) -> bool:
        return self.unit == DATE_UNIT

    @property
    def sane_range(self) -> tuple[float, float]:
        """What a value may be at all: thresholds are never negative; a share or fraction lies in [0, 1];
        a date lies between 1990 and 2100."""
        unit = self.unit.lower()
        if self.is_date:
            return (float(dt.date(1990, 1, 1).toordinal()), float(dt.date(2100, 12, 31).toordinal()))
        return (0.0, 1.0) if ("share" in unit or "fraction" in unit) else (0.0, math.inf)

    def text(self, value: float | None = None) -> str:
        """A value as a reader writes it: a date as YYYY-MM-DD, a number without float noise."""
        value = self.value if value is None else value
        return dt.date.fromordinal(int(value)).isoformat() if self.is_date else f"{value:g}"

    def check(self, value: float) -> None:
        lo, hi = self.sane_range
        if not lo <= value <= hi:
            span = (f"between {self.text(lo)} and {self.text(hi)}" if hi < math.inf else f"at least {lo:g}")
            raise ChipsimError(f"parameter {self.name} ({self.unit}) must be {span}, not {self.text(value)}")


@dataclass(frozen=True)
class Phase:
    """A dated stage inside one preset (the April 2025 letters, then the licences of August 2025)."""

    id: str
    label: str
    start: dt.date


@dataclass
class Scenario:
    id: str
    title: str
    effective: dt.date
    status: str
    citation: str
    parameters: dict[str, Parameter]
    destination_sets: dict[str, dict]
    predicates: dict[str, dict]
    classification: list[dict]
    chains: dict[str, list[dict]]
    conditions: list[dict]
    evidence: str = ""
    notes: str = ""
    default_as_of: dt.date | None = None
    series: str = ""
    extends: str | None = None
    source: str = ""
    lineage: tuple[str, ...] = ()
    edits: dict[str, float] = field(default_factory=dict)
    advisories: list[dict] = field(default_factory=list)  # notes that never change an outcome (GP10, FDP reach)
    phases: list[Phase] = field(default_factory=list)
    exporting_country: str = "US"  # a "destination" equal to it is no export at all
    # transaction types beyond export/reexport/transfer this scenario regulates (e.g. "remote_access")
    transactions: tuple[str, ...] = ()
    # volume caps a rule attaches (e.g. China shipments <= 50 % of US ones): they bind only on volumes (flows)
    caps: list[dict] = field(default_factory=list)
    # what a verdict with no licence requirement cites: the CCL entry that controls the item, and the
    # provision that sets where a licence is required (with the country-group supplement)
    control_citation: str = ""
    scope_citation: str = ""
    layers: tuple[str, ...] = ()
    layer_rules: frozenset = frozenset()  # ids of the chain rules the shared layers brought (embargoes, end users)

    def phase(self, pid: str) -> Phase:
        for ph in self.phases:
            if ph.id == pid:
                return ph
        raise unknown_name(f"phase of {self.id}", pid, [ph.id for ph in self.phases])

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def has_derived(self) -> bool:
        return any(p.derived is not None for p in self.parameters.values())

    @property
    def is_law(self) -> bool:
        return self.status in LAW_STATUSES

    @property
    def group(self) -> str:
        """enacted / proposed / what-if: how a rule picker files this scenario."""
        return STATUS_GROUPS.get(self.status, "what-if")

    @property
    def classes(self) -> list[str]:
        """Every classification this scenario can output, in rule order, then 'not controlled'."""
        seen = dict.fromkeys(r["class"] for r in self.classification)
        seen.pop(NOT_CONTROLLED, None)
        return list(seen) + [NOT_CONTROLLED]

    def as_of(self, day=None) -> dt.date:
        if day is not None:
            return parse_date(day, "--as-of")
        return self.default_as_of or dt.date.today()

    def value(self, name: str) -> float:
        return self.parameters[name].value

    def with_values(self, values: dict[str, float]) -> "Scenario":
        """A copy with parameters set by name (unknown names are an error listing close matches)."""
        params = dict(self.parameters)
        for name, raw in values.items():
            if name not in params:
                raise unknown_name("parameter", name, params)
            if params[name].derived is not None:
                margin = params[name].derived.get("times_one_plus")
                raise ChipsimError(f"parameter {name} is derived from the chip table, not set"
                                   + (f"; edit its margin {margin} instead" if margin else ""))
            try:
                value = parameter_number(params[name], raw)
            except (TypeError, ValueError):
                want = "a date as YYYY-MM-DD" if params[name].is_date else "a number"
                raise ChipsimError(f"parameter {name} needs {want}, not {raw!r}") from None
            if not math.isfinite(value):
                raise ChipsimError(f"parameter {name} needs a finite number, not {raw!r}")
            old = params[name]
            old.check(value)
            base = old.preset_value if old.preset_value is not None else old.value
            params[name] = replace(old, value=value, preset_value=base)
        edits = {**self.edits, **{k: params[k].value for k in values}}
        return replace(self, parameters=params, edits=edits)


def parameter_number(param: Parameter, raw) -> float:
    """A user's value for a parameter as the engine holds it (a date parameter as its day ordinal)."""
    if param.is_date:
        if isinstance(raw, dt.date):
            return float(raw.toordinal())
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            return float(raw)
        return float(dt.date.fromisoformat(str(raw).strip()).toordinal())
    return float(raw)


# ---------------------------------------------------------------------------------------------
# loading

def _line_of(text: str, needle: str) -> int | None:
    """Best-effort line number of the first mention of `needle` in a TOML file, for error messages."""
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return i
    return None


class _FileError:
    """Builds errors that name the scenario file and, where it can be found, the line."""

    def __init__(self, source: str, text: str):
        self.source, self.text = source, text

    def __call__(self, message: str, needle: str | None = None) -> ChipsimError:
        line = _line_of(self.text, needle) if needle else None
        where = f"{self.source}:{line}" if line else self.source
        return ChipsimError(f"{where}: {message}")


def _read_toml(path: Path) -> tuple[dict, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ChipsimError(f"scenario file {path} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ChipsimError(f"cannot read scenario file {path}: {exc}") from None
    return parse_toml(text, str(path)), text


def parse_toml(text: str, source: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        where = f"{source}:{m.group(1)}:{m.group(2)}" if m else source
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ChipsimError(f"{where}: malformed scenario file: {msg}") from None


@lru_cache(maxsize=1)
def preset_files() -> dict[str, Path]:
    """Preset id -> file, for every bundled rule file."""
    out = {}
    for path in sorted(RULES_DIR.glob("*.toml")):
        out[path.stem] = path
    return out


def preset_ids() -> list[str]:
    return list(preset_files())


def _merge_rules(base: list[dict], overlay: list[dict], err, what: str) -> list[dict]:
    """Rules merged by id: same id replaces in place; new ones go before/after a named rule or last."""
    if not isinstance(overlay, list) or not all(isinstance(r, dict) for r in overlay):
        raise err(f"{what} rules must be an array of tables ([[...]] blocks)", None)
    out = [dict(r) for r in base]
    for rule in overlay:
        if not isinstance(rule.get("id"), str):
            raise err(f"every {what} rule needs an id (a string)", None)
        ids = [r["id"] for r in out]
        rule = dict(rule)
        before, after = rule.pop("before", None), rule.pop("after", None)
        if rule["id"] in ids:
            out[ids.index(rule["id"])] = {**out[ids.index(rule["id"])], **rule}
        elif before or after:
            anchor = before or after
            if anchor not in ids:
                raise err(f"{what} rule {rule['id']!r} is placed relative to unknown rule {anchor!r}", rule["id"])
            out.insert(ids.index(anchor) + (1 if after else 0), rule)
        else:
            out.append(rule)
    return out


# what a rule file may state of a parameter (besides `derived`); a variant inherits each from its base
PARAMETER_FIELDS = ("value", "unit", "stricter", "citation", "label", "short", "effective", "evidence")


def _parameter(name: str, entry, base: Parameter | None, err) -> Parameter:
    if not isinstance(entry, dict):
        entry = {"value": entry}
    fields = {} if base is None else {k: getattr(base, k) for k in PARAMETER_FIELDS}
    fields.update({k: v for k, v in entry.items() if k in PARAMETER_FIELDS})
    unknown = set(entry) - set(PARAMETER_FIELDS) - {"derived"}
    if unknown:
        raise err(f"parameter {name}: unknown field(s) {', '.join(sorted(unknown))}", name)
    derived = entry.get("derived", base.derived if base is not None else None)
    if derived is not None:
        if not isinstance(derived, dict) or set(derived) - DERIVED_KEYS or not {"metric", "designer_country"} <= set(derived):
            raise err(f"parameter {name}: derived must be a table with metric and designer_country (and optionally "
                      f"times_one_plus = a parameter name); keys allowed: {', '.join(sorted(DERIVED_KEYS))}", name)
        fields.setdefault("value", math.inf)  # until resolved against a chip table (sim/engine/derived.py)
    for required in ("value", "unit", "stricter", "citation"):
        if required not in fields:
            raise err(f"parameter {name} needs '{required}' (a new parameter states value, unit, stricter and citation)", name)
    if fields["unit"] == DATE_UNIT and isinstance(fields["value"], dt.date):
        fields["value"] = float(fields["value"].toordinal())  # a date parameter holds its day ordinal
    if derived is None and (isinstance(fields["value"], bool) or not isinstance(fields["value"], (int, float))
                            or not math.isfinite(fields["value"])):
        want = "a date (YYYY-MM-DD, unquoted)" if fields["unit"] == DATE_UNIT else "a number"
        raise err(f"parameter {name}: value must be {want}, not {fields['value']!r}", name)
    if fields["stricter"] not in ("lower", "higher"):
        raise err(f"parameter {name}: stricter must be 'lower' or 'higher', not {fields['stricter']!r}", name)
    fields["value"] = float(fields["value"])
    for optional in ("label", "short", "effective", "evidence"):
        fields[optional] = str(fields.get(optional, ""))
    for text in ("unit", "citation"):
        fields[text] = str(fields[text])
    if derived is not None:
        fields["value"] = math.inf if base is None or base.derived is None else base.value
    return Parameter(name=name, derived=derived, **fields)


# a derived parameter: the best `metric` among chips designed in `designer_country` and in volume production on
# the evaluation date, times 1 + the parameter `times_one_plus` (a margin) when given
DERIVED_KEYS = {"metric", "designer_country", "times_one_plus"}
# volume caps: "share" = at most param x the same product's shipments to `share_of` in the same days;
# "budget" = a destination's cumulative `metric` (e.g. TPP) over the days `from`-`to` at most param
CAP_KINDS = {"share": ("share_of",), "budget": ("metric", "from", "to")}
TOP_LEVEL = {"id", "title", "effective", "status", "citation", "evidence", "notes", "default_as_of", "series", "extends",
             "parameters", "destination_sets", "predicates", "classification", "chains", "conditions", "remove",
             "advisories", "phases", "layers", "exporting_country", "caps",
             "control_citation", "scope_citation", "transactions"}
LAYER_KEYS = {"title", "citation", "notes", "parameters", "destination_sets", "predicates", "chains", "conditions", "advisories"}


def _build(data: dict, text: str, source: str, stack: tuple[str, ...]) -> Scenario:
    err = _FileError(source, text)
    extra = set(data) - TOP_LEVEL
    if extra:
        raise err(f"unknown top-level key(s): {', '.join(sorted(extra))}", sorted(extra)[0])
    if "id" not in data or not isinstance(data["id"], str) or not data["id"].strip():
        raise err("a scenario needs an id (e.g. id = \"my-variant\")")
    if len(data["id"]) > MAX_ID_LENGTH:
        raise err(f"a scenario id has at most {MAX_ID_LENGTH} characters (got {len(data['id']):,})", "id =")
    sid = data["id"]
    base_id = data.get("extends")
    if base_id is not None:
        if base_id == sid:
            raise err(f"scenario {sid!r} extends itself", "extends")
        base = load_scenario(base_id, _stack=stack)
        scenario = replace(base, parameters=dict(base.parameters), destination_sets=dict(base.destination_sets),
                           predicates=dict(base.predicates), chains=dict(base.chains), edits=dict(base.edits),
                           phases=[] if "phases" in data else list(base.phases))
        scenario.lineage = (base_id,) + base.lineage
    else:
        for required in ("title", "effective", "status", "citation"):
            if required not in data:
                raise err(f"a scenario without 'extends' needs '{required}'")
        scenario = Scenario(id=sid, title="", effective=dt.date(1900, 1, 1), status="hypothetical", citation="",
                            parameters={}, destination_sets={}, predicates={}, classification=[], chains={}, conditions=[])
    scenario.id = sid
    scenario.extends = base_id
    scenario.source = source
    scenario.title = str(data.get("title", f"{sid} (variant of {base_id})" if base_id else sid))
    if "effective" in data:
        scenario.effective = parse_date(data["effective"], f"{source}: effective")
    status = data.get("status", scenario.status if base_id is None else "hypothetical")
    if status not in STATUSES:
        raise err(f"status must be one of {', '.join(STATUSES)}, not {status!r}", "status")
    scenario.status = status
    scenario.citation = str(data.get("citation", scenario.citation))
    scenario.control_citation = str(data.get("control_citation", scenario.control_citation))
    scenario.scope_citation = str(data.get("scope_citation", scenario.scope_citation))
    scenario.evidence = str(data.get("evidence", scenario.evidence))
    scenario.notes = str(data.get("notes", "" if base_id else scenario.notes))
    scenario.series = str(data.get("series", "" if base_id else scenario.series))
    if "default_as_of" in data:
        scenario.default_as_of = parse_date(data["default_as_of"], f"{source}: default_as_of") if data["default_as_of"] else None
    if "exporting_country" in data:
        scenario.exporting_country = str(data["exporting_country"]).upper()
    if "transactions" in data:
        adopted = data["transactions"]
        extra_kinds = [t for t in TRANSACTIONS if t not in EXPORTS]
        if not isinstance(adopted, list) or any(t not in extra_kinds for t in adopted):
            raise err(f"'transactions' must be a list drawn from {', '.join(extra_kinds)}", "transactions")
        scenario.transactions = tuple(dict.fromkeys(scenario.transactions + tuple(adopted)))
    layers = data.get("layers", [])
    if not isinstance(layers, list) or not all(isinstance(n, str) for n in layers):
        raise err("'layers' must be a list of layer names (files in sim/rules/layers/)", "layers")
    for name in layers:
        _apply_layer(scenario, name, err)
    _merge_content(scenario, data, err, base_id, source)
    scenario.phases = _phases(data.get("phases"), err, source) if "phases" in data else scenario.phases
    if "effective" in data and base_id is not None and "phases" not in data:
        # a later preset does not inherit the stages of the one it replaces
        scenario.phases = [p for p in scenario.phases if p.start >= scenario.effective]
    _check(scenario, err)
    return scenario


def _phases(raw, err, source: str) -> list[Phase]:
    if not isinstance(raw, list) or not all(isinstance(p, dict) for p in raw):
        raise err("'phases' must be an array of tables ([[phases]] with id, from, label)", "phases")
    out = []
    for ph in raw:
        if not isinstance(ph.get("id"), str) or "from" not in ph:
            raise err("every phase needs an id (a string) and a from date", "phases")
        out.append(Phase(ph["id"], str(ph.get("label", ph["id"])), parse_date(ph["from"], f"{source}: phase {ph['id']}")))
    return sorted(out, key=lambda p: p.start)


def _apply_layer(scenario: Scenario, name: str, err) -> None:
    """Merge a shared layer (rules that sit around every preset, e.g. the Part 746 embargoes)."""
    path = LAYERS_DIR / f"{name}.toml"
    if not path.is_file():
        known = sorted(p.stem for p in LAYERS_DIR.glob("*.toml"))
        raise err(f"unknown layer {name!r}; known layers: {', '.join(known) or 'none'}", "layers")
    data, text = _read_toml(path)
    layer_err = _FileError(f"sim/rules/layers/{name}.toml", text)
    extra = set(data) - LAYER_KEYS
    if extra:
        raise layer_err(f"unknown top-level key(s) in a layer: {', '.join(sorted(extra))}", sorted(extra)[0])
    _merge_content(scenario, data, layer_err, None, layer_err.source)
    scenario.layers = tuple(dict.fromkeys(scenario.layers + (name,)))
    brought = {r.get("id") for rules in data.get("chains", {}).values() if isinstance(rules, list) for r in rules
               if isinstance(r, dict)}
    scenario.layer_rules = scenario.layer_rules | frozenset(brought)


def _merge_content(scenario: Scenario, data: dict, err, base_id, source: str) -> None:
    """Parameters, sets, predicates and rules of one file merged into `scenario` (by name / by rule id)."""
    params = data.get("parameters", {})
    if not isinstance(params, dict):
        raise err("'parameters' must be a table of name = value or name = {value, unit, ...}", "parameters")
    for name, entry in params.items():
        base_param = scenario.parameters.get(name)
        if base_param is None and base_id is not None and not isinstance(entry, dict):
            raise unknown_name(f"parameter in {source} (not in base scenario {base_id})", name, scenario.parameters)
        new = _parameter(name, entry, base_param, err)
        if base_param is not None and new.value != base_param.value:
            # an overlay's changed value is an edit of the value it inherits, shown as such everywhere
            new = replace(new, preset_value=base_param.preset_value if base_param.edited else base_param.value)
            scenario.edits[name] = new.value
        scenario.parameters[name] = new
    for key in ("destination_sets", "predicates"):
        table = data.get(key, {})
        if not isinstance(table, dict):
            raise err(f"'{key}' must be a table", key)
        bad = [k for k, v in table.items() if not isinstance(v, dict)]
        if bad:
            raise err(f"{key}.{bad[0]} must be a table", bad[0])
        getattr(scenario, key).update(table)
    removed = data.get("remove", [])
    if not isinstance(removed, list) or not all(isinstance(r, str) for r in removed):
        raise err("'remove' must be a list of rule ids", "remove")
    removed = set(removed)
    scenario.classification = [r for r in _merge_rules(scenario.classification, data.get("classification", []), err, "classification")
                               if r["id"] not in removed]
    chains = data.get("chains", {})
    if not isinstance(chains, dict):
        raise err("'chains' must be a table of named rule lists ([[chains.NAME]])", "chains")
    for name, rules in chains.items():
        scenario.chains[name] = _merge_rules(scenario.chains.get(name, []), rules, err, f"chain '{name}'")
    scenario.chains = {k: [r for r in v if r["id"] not in removed] for k, v in scenario.chains.items()}
    for key in ("conditions", "advisories", "caps"):
        merged = _merge_rules(getattr(scenario, key), data.get(key, []), err, key.rstrip("s"))
        setattr(scenario, key, [r for r in merged if r["id"] not in removed])


def _keys_used(pred, predicates: dict, seen=()) -> set:
    """Every leaf kind a predicate uses (following named references once)."""
    if not isinstance(pred, dict):
        return set()
    if "all" in pred or "any" in pred:
        subs = pred.get("all", pred.get("any"))
        return set().union(*(_keys_used(p, predicates, seen) for p in subs)) if isinstance(subs, list) else set()
    if "not" in pred:
        return _keys_used(pred["not"], predicates, seen)
    if "ref" in pred:
        name = pred["ref"]
        return set() if name in seen else _keys_used(predicates.get(name), predicates, seen + (name,))
    return set(pred) & {"metric", "flag", "class_in", "dest_in", "hq_in", "export", "chip_in", "eccn_in", "party",
                        "convention", "on_or_after"}


def _refs(pred) -> list[str]:
    if not isinstance(pred, dict):
        return []
    if "all" in pred or "any" in pred:
        subs = pred.get("all", pred.get("any"))
        return [r for p in (subs if isinstance(subs, list) else []) for r in _refs(p)]
    if "not" in pred:
        return _refs(pred["not"])
    return [pred["ref"]] if "ref" in pred else []


def _check(s: Scenario, err) -> None:
    """Every reference resolves and every field is of a known kind, before anything is evaluated."""
    for rule in s.classification:
        for key in ("id", "class", "when", "citation"):
            if key not in rule:
                raise err(f"classification rule {rule.get('id', '?')} needs '{key}'", rule.get("id"))
        if not isinstance(rule["class"], str):
            raise err(f"classification rule {rule['id']}: class must be a string", rule["id"])
    classes = set(s.classes)

    def check_pred(pred, where):
        if not isinstance(pred, dict) or len(pred) == 0:
            raise err(f"{where}: a condition must be a table such as {{metric = \"tpp\", op = \">=\", param = \"...\"}}", where)
        if "all" in pred or "any" in pred:
            key = "all" if "all" in pred else "any"
            if not isinstance(pred[key], list) or not pred[key]:
                raise err(f"{where}: '{key}' needs a non-empty list of conditions", where)
            for p in pred[key]:
                check_pred(p, where)
        elif "not" in pred:
            check_pred(pred["not"], where)
        elif "metric" in pred:
            if pred["metric"] not in METRICS:
                raise err(f"{where}: unknown metric {pred['metric']!r}; expected one of {', '.join(METRICS)}", where)
            if pred.get("op") not in OPS:
                raise err(f"{where}: op must be one of {', '.join(OPS)}, not {pred.get('op')!r}", where)
            if pred.get("param") not in s.parameters:
                raise unknown_name(f"parameter referenced by {where} in {s.source}", str(pred.get("param")), s.parameters)
            if (pred["metric"] in DATE_METRICS) != s.parameters[pred["param"]].is_date:
                raise err(f"{where}: a dated fact ({', '.join(DATE_METRICS)}) is compared with a parameter of unit "
                          f"\"date\", and only it", where)
        elif "flag" in pred:
            if pred["flag"] not in FLAGS or not isinstance(pred.get("is", True), bool):
                raise err(f"{where}: flag must be one of {', '.join(FLAGS)} with is = true/false", where)
        elif "class_in" in pred:
            bad = [c for c in pred["class_in"] if c not in classes]
            if bad:
                raise err(f"{where}: class {bad[0]!r} is not output by any classification rule ({', '.join(sorted(classes))})", where)
        elif "dest_in" in pred or "hq_in" in pred:
            name = pred.get("dest_in", pred.get("hq_in"))
            if name not in s.destination_sets:
                raise unknown_name(f"destination set referenced by {where} in {s.source}", str(name), s.destination_sets)
        elif "export" in pred:
            if pred["export"] not in EXPORTS:
                raise err(f"{where}: export must be one of {', '.join(EXPORTS)}", where)
        elif "chip_in" in pred or "eccn_in" in pred:
            key = "chip_in" if "chip_in" in pred else "eccn_in"
            if not isinstance(pred[key], list) or not pred[key] or not all(isinstance(c, str) and c for c in pred[key]):
                raise err(f"{where}: {key} needs a non-empty list of {'chip ids' if key == 'chip_in' else 'ECCNs'}", where)
        elif "party" in pred:
            if pred["party"] not in PARTIES:
                raise err(f"{where}: party must be one of {', '.join(PARTIES)}, not {pred['party']!r}", where)
        elif "convention" in pred:
            allowed = RULE_CONVENTIONS.get(pred["convention"])
            if allowed is None or pred.get("is") not in allowed:
                raise err(f"{where}: convention must be one of {', '.join(RULE_CONVENTIONS)} with is = one of its values "
                          f"({'; '.join(k + ': ' + ', '.join(v) for k, v in RULE_CONVENTIONS.items())})", where)
        elif "on_or_after" in pred:
            param = s.parameters.get(pred["on_or_after"])
            if param is None or not param.is_date or not isinstance(pred.get("plus_days", 0), int):
                raise err(f"{where}: on_or_after needs a parameter of unit \"date\" (and plus_days, a whole number of "
                          f"days, if any), not {pred['on_or_after']!r}", where)
        elif "ref" in pred:
            if pred["ref"] not in s.predicates:
                raise unknown_name(f"named predicate referenced by {where}", str(pred["ref"]), s.predicates)
        else:
            raise err(f"{where}: unknown condition {sorted(pred)}; expected all/any/not/metric/flag/class_in/dest_in/hq_in/"
                      "export/chip_in/eccn_in/party/convention/on_or_after/ref", where)

    def require(item: dict, keys, what: str):
        for key in keys:
            if key not in item:
                raise err(f"{what} {item.get('id', '?')} needs '{key}'", item.get("id"))

    for name, pred in s.predicates.items():
        check_pred(pred, f"predicate {name}")
        todo = [(name, ())]
        while todo:  # a named predicate may not refer back to itself
            current, path = todo.pop()
            if current in path:
                raise err(f"predicate {name} refers to itself: {' -> '.join(path + (current,))}", name)
            todo.extend((r, path + (current,)) for r in _refs(s.predicates.get(current, {})))
    for rule in s.classification:
        check_pred(rule["when"], f"classification rule {rule['id']}")
        about_pair = {"dest_in", "hq_in", "export", "class_in", "party"} & _keys_used(rule["when"], s.predicates)
        if about_pair:
            raise err(f"classification rule {rule['id']} may read only chip figures and flags, not {sorted(about_pair)[0]}"
                      " (destinations belong in the licensing chains)", rule["id"])
    for chain, rules in s.chains.items():
        for rule in rules:
            require(rule, ("id", "when", "outcome", "citation"), f"chain {chain}: rule")
            if rule["outcome"] not in SEVERITY:
                raise err(f"rule {rule['id']}: outcome must be one of {', '.join(SEVERITY)}, not {rule['outcome']!r}", rule["id"])
            check_pred(rule["when"], f"rule {rule['id']}")
            prongs = rule.get("prongs", [])
            if not isinstance(prongs, list) or any(p not in s.predicates for p in prongs):
                raise err(f"rule {rule['id']}: prongs must list named predicates (the alternatives its reason "
                          "names when they hold)", rule["id"])
    for name, p in s.parameters.items():
        if p.derived is not None:
            if p.derived["metric"] not in METRICS or p.derived["metric"] in DATE_METRICS:
                raise err(f"parameter {name}: derived metric must be one of {', '.join(METRICS[:5])}", name)
            margin = p.derived.get("times_one_plus")
            if margin is not None and (margin not in s.parameters or s.parameters[margin].derived is not None):
                raise unknown_name(f"margin parameter of derived {name}", str(margin), s.parameters)
    for cond in s.conditions + s.advisories:
        require(cond, ("id", "when", "text", "citation"), "condition or advisory")
        check_pred(cond["when"], f"condition {cond['id']}")
        on_rules = cond.get("on_rules", [])
        if not isinstance(on_rules, list) or not all(isinstance(r, str) for r in on_rules):
            raise err(f"condition {cond['id']}: on_rules must be a list of rule ids", cond["id"])
        on_outcomes = cond.get("on_outcomes", [])
        if not isinstance(on_outcomes, list) or any(o not in SEVERITY for o in on_outcomes):
            raise err(f"condition {cond['id']}: on_outcomes must list outcomes ({', '.join(SEVERITY)})", cond["id"])
    for cap in s.caps:
        require(cap, ("id", "on_rules", "param", "text", "citation"), "cap")
        kind = cap.get("kind", "share")
        if kind not in CAP_KINDS:
            raise err(f"cap {cap['id']}: kind must be one of {', '.join(CAP_KINDS)}, not {kind!r}", cap["id"])
        require(cap, CAP_KINDS[kind], f"cap of kind {kind}")
        if cap["param"] not in s.parameters:
            raise err(f"cap {cap['id']}: unknown parameter {cap['param']!r}", cap["id"])
        if not isinstance(cap["on_rules"], list) or not all(isinstance(r, str) for r in cap["on_rules"]):
            raise err(f"cap {cap['id']}: on_rules must be a list of rule ids", cap["id"])
    for name, spec in s.destination_sets.items():
        if not isinstance(spec, dict) or "any" not in spec:
            raise err(f"destination set {name} needs 'any' (a list of groups or ISO codes)", name)


_PRESETS_LOADING: set[str] = set()
MAX_EXTENDS_DEPTH = 50  # presets are four deep; a longer chain is a mistake, and Python's stack is finite
MAX_ID_LENGTH = 100


def load_scenario(ref: str | Path, *, _stack: tuple[str, ...] = ()) -> Scenario:
    """A preset by id, or a scenario file by path (which may extend a preset or another file)."""
    ref_s = str(ref)
    if ref_s in _stack or ref_s in _PRESETS_LOADING:
        raise ChipsimError(f"scenario {ref_s!r} extends itself: {' -> '.join(_stack + (ref_s,))}")
    if len(_stack) >= MAX_EXTENDS_DEPTH:
        raise ChipsimError(f"{_stack[0]}: the 'extends' chain is deeper than {MAX_EXTENDS_DEPTH} files "
                           f"({' -> '.join(_stack[:3])} -> ... -> {_stack[-1]}); point a variant at a preset instead")
    presets = preset_files()
    if ref_s in presets:
        _PRESETS_LOADING.add(ref_s)
        try:
            return copy.deepcopy(_load_preset(ref_s))
        finally:
            _PRESETS_LOADING.discard(ref_s)
    path = Path(ref_s)
    try:
        is_file = path.suffix == ".toml" or path.exists()
    except (OSError, ValueError):  # a name too long or malformed to be a path is simply not a file
        is_file = False
    if is_file:
        data, text = _read_toml(path)
        return _build(data, text, str(path), _stack + (ref_s,))
    raise unknown_name("scenario (preset id or .toml file)", ref_s, presets)


@lru_cache(maxsize=None)
def _load_preset(pid: str) -> Scenario:
    data, text = _read_toml(preset_files()[pid])
    if data.get("id") != pid:
        raise ChipsimError(f"{preset_files()[pid]}: id {data.get('id')!r} must match the file name {pid!r}")
    return _build(data, text, f"sim/rules/{pid}.toml", (pid,))


def all_presets() -> list[Scenario]:
    return [load_scenario(pid) for pid in preset_ids()]


def _presets_read_only() -> list[Scenario]:
    """The cached presets themselves, for reading their dates and series (no copy: callers must not change them)."""
    return [_load_preset(pid) for pid in preset_ids()]


def in_force_on(day) -> Scenario:
    """The enforced US preset on a date: the latest of the `us-enforced` series effective by then."""
    day = parse_date(day, "--as-of")
    chain = sorted((s for s in _presets_read_only() if s.series == "us-enforced"), key=lambda s: s.effective)
    live = [s for s in chain if s.effective <= day]
    if not live:
        raise ChipsimError(f"no chip export rule in chipsim is in force on {day}; the first is "
                           f"{chain[0].id} from {chain[0].effective}")
    return load_scenario(live[-1].id)  # a copy of the one preset returned, as load_scenario gives


def _preset_of(scenario: Scenario) -> Scenario | None:
    """The bundled preset a scenario is (or is a variant of), for its dates."""
    for pid in (scenario.id,) + scenario.lineage:
        if pid in preset_files():
            return _load_preset(pid)
    return None


def superseded_by(scenario: Scenario) -> Scenario | None:
    """The next preset of the same enforced series, if any: the rule that replaced this one."""
    own = _preset_of(scenario)
    if own is None or own.series != "us-enforced":
        return None
    later = sorted((s for s in _presets_read_only() if s.series == own.series and s.effective > own.effective),
                   key=lambda s: s.effective)
    return later[0] if later else None


def status_text(scenario: Scenario) -> str:
    """The status every verdict and export carries: a variant of a proposal still says so."""
    own = _preset_of(scenario) or scenario
    if own is scenario or own.id == scenario.id or scenario.status == own.status:
        return scenario.status_label
    return f"{scenario.status_label}, variant of {own.id} ({own.status_label})"


def period_warning(scenario: Scenario, day) -> str | None:
    """A warning when a preset is evaluated outside its period (it still runs: what-ifs are useful)."""
    day = scenario.as_of(day)
    own = _preset_of(scenario) or scenario
    name = scenario.id if scenario.id == own.id else f"{scenario.id} (variant of {own.id})"
    if own.group == "proposed":  # never confusable with law, whatever the date
        return (f"NOT LAW: {name} is a {own.status_label.replace(' (not law)', '')}, {own.title.split(':')[0]}; "
                f"its verdicts show what it would do if adopted, on top of the rules it extends")
    if day < own.effective:
        return (f"{name} took effect on {own.effective}; evaluated as of {day} it shows what these rules would have "
                f"given then, not the law of that day")
    nxt = superseded_by(scenario)
    if nxt is not None and day >= nxt.effective:
        return (f"{name} was superseded on {nxt.effective} by {nxt.id}; evaluated as of {day} it shows the old rules, "
                f"not the law of that day")
    return None


def phase_day(scenario: Scenario, pid: str) -> dt.date:
    """The date that evaluates one phase of a preset (its first day)."""
    return scenario.phase(pid).start


def transaction_as_export(scenario: Scenario, transaction: str) -> str:
    """The export kind rules read for a transaction: remote access, where a scenario adopts it (the Remote
    Access Security Act, H.R. 2683), is evaluated as an export from the US to the accessing party's country."""
    if transaction in EXPORTS:
        return transaction
    if transaction not in scenario.transactions:
        raise ChipsimError(f"{scenario.id} does not regulate {transaction.replace('_', ' ')}: under the rules it encodes, "
                           "remote (cloud) access to a chip is no export, reexport or in-country transfer. Choose a "
                           "scenario that adopts it (e.g. remote-access-hr2683, a bill that is not law)")
    return "us"


def rule_in_force(rule: dict, day: dt.date) -> bool:
    return in_force(str(rule.get("from", "")), str(rule.get("to", "")), day)


def parse_assignments(pairs) -> dict[str, str]:
    """--set NAME=VALUE pairs into a dict; a malformed pair is a clear error."""
    out = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise ChipsimError(f"--set expects NAME=VALUE (e.g. 3A090.a.1.tpp=4000), not {pair!r}")
        name, value = pair.split("=", 1)
        out[name.strip()] = value.strip()
    return out


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(float(v)) if isinstance(v, float) and not float(v).is_integer() else str(int(v)) if float(v).is_integer() else repr(v)
    s = str(v).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{s}"'


def overlay_toml(base: Scenario, values: dict[str, float], *, sid: str = "my-variant", title: str = "") -> str:
    """A scenario file that `chipsim evaluate --scenario FILE` accepts: the base plus edited values."""
    lines = [
        "# chipsim scenario overlay: only what differs from the base preset is stated.",
        f"id = {_toml_value(sid)}",
        f"title = {_toml_value(title or f'Variant of {base.id}')}",
        f"extends = {_toml_value(base.id)}",
        'status = "hypothetical"',
        "",
        "[parameters]",
    ]
    for name, value in values.items():
        p = base.parameters[name]
        lines.append(f"# {p.label or name} ({p.unit}); preset value {p.text()}; {p.citation}")
        lines.append(f"{_toml_value(name)} = {p.text(float(value)) if p.is_date else _toml_value(float(value))}")
    return "\n".join(lines) + "\n"
