"""A determination record a compliance officer can file: one chip, one destination, one transaction.

It reads top to bottom like a practitioner's memo (BIS Export Compliance Guidelines; 15 CFR 738.4, 762):
the item and every input figure with its source; TPP and PD worked out with the convention used; the
ECCNs considered and why each was kept or eliminated; each layer and rule applied with its citation and
dates; the licence exceptions examined; the screening assumed; the outcome; what a NAC notification or
the January 2026 case-by-case packet asks for; preparer and reviewer; and hashes of every input, so the
same inputs give the same bytes. The content is one dict (`determination`); Markdown, HTML and JSON are
renderings of it. Not legal advice.
"""

from __future__ import annotations

import hashlib
import html
import json
from pathlib import Path

from ..api import one_pair
from ..data import destinations as dest_mod
from ..data.chips import load_chips
from ..data.schema import COLUMNS
from ..engine.metrics import compute_metrics
from ..engine.reasons import METRIC_LABEL
from ..engine.reference import chip_record, holds, possible_classes
from ..engine.vectorised import Context, compile_scenario, verdicts
from ..rules.conventions import DEFAULT_CONVENTIONS, MetricConventions
from ..rules.scenario import NOT_CONTROLLED, RULES_DIR, STATUSES, TRANSACTION_WORDS, rule_in_force
from ..version import __version__

FORMATS = ("md", "html", "json")
RETENTION = ("Keep this record with the export file for five years from the export, reexport or transfer "
             "(15 CFR 762.6) and produce it on request (15 CFR 762.7).")
NOT_ADVICE = ("Not legal advice. chipsim computes from the figures and rule files named below; it cannot screen a "
              "party, and a licence determination is the exporter's.")
SHIPMENT = TRANSACTION_WORDS
TRUTH = {True: "holds", False: "does not hold", None: "cannot be decided (a figure is missing)"}
# ECCNs a practitioner eliminates one by one; those chipsim does not compute carry what decides them
OTHER_ECCNS = [
    ("4A090", "computers, electronic assemblies and components containing an IC that meets 3A090.a or .b: the same "
              "TPP/PD tests and licence requirements (15 CFR 742.6(a)(6)); a board, module or system takes 4A090 where "
              "its IC is 3A090 — chipsim evaluates the IC", "15 CFR 774 Supp. 1, ECCN 4A090"),
    ("3A001.z", "items of 3A001 that also meet 3A090's parameters: chipsim's table does not hold 3A001's own "
                "parameters, so this entry is not evaluated", "15 CFR 774 Supp. 1, ECCN 3A001.z"),
]
BELOW_3A090 = ("5A992.c", "3A991.p", "4A994.l", "EAR99")
ITEM_FIELDS = ("chip_id", "vendor", "name", "release", "segment", "datacenter", "confidence", "sources", "notes",
               "vendor_eccn", "vendor_eccn_source")
NAC_DATA = ["Total processing performance (TPP) of the item, as defined in 3A090",
            "Performance density (PD) of the item, as defined in 3A090",
            "A datasheet or other document showing whether the item is designed or marketed for datacenter use",
            "At most six items per notification (one model number recommended)",
            "One ultimate consignee and one end user; no distributor as a party",
            "Filed in SNAP-R at least 25 calendar days before the export; cite the NAC authorization number (Axxxxxx) "
            "in the EEI filing"]
NAC_SOURCE = "15 CFR 740.8; BIS, 'Notification Advanced Computing (NAC) process available' (bis.gov)"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def rules_digest(scenario) -> str:
    """sha256 over every bundled rule file (presets and layers) and, for a user's file, that file too."""
    h = hashlib.sha256()
    files = sorted(RULES_DIR.glob("*.toml")) + sorted((RULES_DIR / "layers").glob("*.toml"))
    src = Path(scenario.source) if scenario.source else None
    if src is not None and src.is_file() and src.resolve().parent not in (RULES_DIR.resolve(), (RULES_DIR / "layers").resolve()):
        files.append(src)
    for f in files:
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def _describe(pred, s, depth: int = 0) -> str:
    """A predicate in words (the rule file's own data, so the text cannot drift from what is evaluated)."""
    if not isinstance(pred, dict) or depth > 8:
        return str(pred)
    if "all" in pred:
        return " and ".join(_describe(p, s, depth + 1) for p in pred["all"])
    if "any" in pred:
        return "(" + " or ".join(_describe(p, s, depth + 1) for p in pred["any"]) + ")"
    if "not" in pred:
        return "not " + _describe(pred["not"], s, depth + 1)
    if "ref" in pred:
        return pred["ref"].replace("_", " ")
    if "metric" in pred:
        p = s.parameters[pred["param"]]
        return f"{METRIC_LABEL.get(pred['metric'], pred['metric'])} {pred['op']} {p.value:,.6g} {p.unit} [{p.name}]"
    if "dest_in" in pred or "hq_in" in pred:
        key = "dest_in" if "dest_in" in pred else "hq_in"
        label = s.destination_sets.get(pred[key], {}).get("label", pred[key])
        return ("destination in " if key == "dest_in" else "end user headquartered in ") + label
    if "class_in" in pred:
        return "classified " + " or ".join(pred["class_in"])
    if "flag" in pred:
        return f"{pred['flag'].replace('_', ' ')}{'' if pred.get('is', True) else ' is false'}"
    if "export" in pred:
        return SHIPMENT.get(pred["export"], pred["export"])
    if "chip_in" in pred:
        return "the item is named: " + ", ".join(pred["chip_in"])
    if "eccn_in" in pred:
        return "below 3A090 as " + " or ".join(pred["eccn_in"])
    if "party" in pred:
        return "screening found: " + pred["party"].replace("_", " ")
    if "convention" in pred:
        return f"reading {pred['convention']} = {pred.get('is')}"
    return json.dumps(pred, sort_keys=True)


def _conjuncts(pred, chip, pair, s, cls):
    """Each top-level condition of a rule with its truth for this pair (the first failing one says why not)."""
    parts = pred["all"] if isinstance(pred, dict) and "all" in pred else [pred]
    return [{"condition": _describe(p, s), "truth": TRUTH[holds(p, chip, pair, s, cls)]} for p in parts]


def determination(chip_id: str, destination: str, scenario=None, *, as_of=None, overrides=None, table=None,
                  ctx: Context = Context(), conv: MetricConventions = DEFAULT_CONVENTIONS, preparer: str = "",
                  reviewer: str = "") -> dict:
    """Every part of the record, as plain data (the JSON format is exactly this)."""
    s, day, dest, row = one_pair(chip_id, destination, scenario, as_of=as_of, overrides=overrides, table=table,
                                 conv=conv)
    full = load_chips() if table is None else table
    chip = row.iloc[0]
    m = compute_metrics(row, conv).iloc[0]
    v = verdicts(s, row, destinations=[dest], as_of=day, ctx=ctx, conv=conv).iloc[0]
    vals = chip_record(m, chip, ctx.quantity)
    ear = str(dest_mod.ear_country([dest])[0])
    hq = ear if ctx.hq is None else str(dest_mod.ear_country([ctx.hq])[0])
    sets = {name: dest_mod.set_members(spec, day) for name, spec in s.destination_sets.items()}
    pair = {"dest": ear, "hq": hq, "sets": sets, "export": ctx.export, "party": ctx.party,
            "conventions": {"is_informed_scope": conv.is_informed_scope}}
    classes = possible_classes(s, vals, day)
    comp = compile_scenario(s, day)
    record = {
        "title": f"Export determination: {chip['vendor']} {chip['name']} to {dest_mod.country_name(dest)} ({dest})",
        "item": _item(chip, v),
        "inputs": _inputs(chip),
        "metrics": _metrics(chip, m, conv),
        "eccns": _eccns(s, vals, pair, day, v, chip),
        "transaction": {"destination": f"{dest_mod.country_name(dest)} ({dest})" + (f", evaluated as {ear}" if ear != dest else ""),
                        "end_user_headquarters": hq, "shipment": SHIPMENT[ctx.export], "quantity": ctx.quantity},
        "screening": _screening(ctx),
        "rules": _rules(s, comp, vals, pair, classes, day),
        "exceptions": _exceptions(s, comp, vals, pair, classes),
        "outcome": {k: str(v[k]) for k in ("outcome", "classification", "review_policy", "exception", "rule", "citation",
                                           "reason", "conditions", "advisories", "warning", "scenario_status",
                                           "import", "import_measures")},
        "scenario": {"id": s.id, "title": s.title, "status": STATUSES.get(s.status, s.status), "effective": str(s.effective),
                     "citation": s.citation, "evaluated_on": str(day),
                     "edits": {k: s.parameters[k].text() if s.parameters[k].is_date else s.parameters[k].value
                               for k in sorted(s.edits)},
                     "proposal": s.status not in ("in_force", "not_enforced")},
        "signoff": {"preparer": preparer, "reviewer": reviewer},
        "retention": RETENTION, "disclaimer": NOT_ADVICE,
    }
    if v["exception"] == "NAC":
        record["nac_notification"] = {"item": f"{chip['vendor']} {chip['name']}", "tpp": _num(m["tpp"]),
                                      "pd": _num(m["pd"]), "datacenter": bool(chip["datacenter"]),
                                      "checklist": NAC_DATA, "source": NAC_SOURCE}
    if v["rule"].startswith("rlp-2026") and v["outcome"] == "license":
        record["case_by_case_checklist"] = {
            "items": [c.strip() for c in str(v["conditions"]).split(";") if c.strip()],
            "note": "Conditions of the January 2026 policy to document with the licence application: a checklist for "
                    "the applicant, not a certification by chipsim.", "source": str(v["citation"])}
    record["provenance"] = _provenance(s, full, chip_id, dest, ctx, conv, day)
    return record


def _num(x) -> float | None:
    return None if x != x else round(float(x), 4)


def _item(chip, v) -> dict:
    out = {k: str(chip[k]) for k in ("chip_id", "vendor", "name", "release", "segment") if k in chip}
    out["designed_or_marketed_for_datacenters"] = bool(chip["datacenter"])
    out["confidence"] = str(chip.get("confidence", ""))
    vendor = str(chip.get("vendor_eccn", "") or "")
    if vendor and vendor != "nan":
        out["manufacturer_eccn"] = vendor
        out["manufacturer_eccn_source"] = str(chip.get("vendor_eccn_source", "") or "")
        ours = str(v["classification"])
        if not (vendor.startswith(ours) or ours.startswith(vendor) or vendor.replace("4A090", "3A090").startswith(ours)):
            out["manufacturer_eccn_flag"] = (f"the manufacturer publishes {vendor}; chipsim computes {ours}: resolve "
                                             "the difference before relying on either")
    else:
        out["manufacturer_eccn"] = "none found in chipsim's table"
    return out


def _inputs(chip) -> list[dict]:
    """Every figure the table gives for the item, with the row's sources and the dense/sparse basis."""
    halved = str(chip.get("sparsity_halved", "") or "")
    rows = []
    for col in COLUMNS:
        name = col.name
        if name in ITEM_FIELDS or name not in chip:
            continue
        val = chip[name]
        if val is None or (isinstance(val, float) and val != val) or str(val) in ("", "nan"):
            continue
        val = str(val).lower() if isinstance(val, bool) else (f"{val:g}" if isinstance(val, float) else val)
        basis = "sparse figure halved to dense" if name in halved else ("dense" if name.endswith(("_tflops", "_tops")) else "")
        rows.append({"figure": name, "value": str(val), "unit": getattr(col, "unit", ""), "basis": basis})
    return rows + [{"figure": "sources", "value": str(chip.get("sources", "")), "unit": "", "basis": ""},
                   {"figure": "notes", "value": str(chip.get("notes", "")), "unit": "", "basis": ""}]


def _metrics(chip, m, conv) -> dict:
    prec = m["tpp_precision"]
    tpp = (f"TPP = {chip[prec]:g} dense {prec.split('_')[0].upper()} TFLOPS/TOPS x {m['tpp_bits']:g} bits = {m['tpp']:,.1f}"
           if prec else "TPP unknown: the table gives no throughput figure")
    pd_text = (f"PD = TPP / applicable die area {m['applicable_die_area_mm2']:,.1f} mm² = {m['pd']:,.2f}"
               if m["pd"] == m["pd"] else "PD unknown: no applicable die area in the table")
    return {"tpp": tpp, "pd": pd_text, "dram_bw_gbps": _num(m["dram_bw_gbps"]), "io_bw_gbps": _num(m["io_bw_gbps"]),
            "conventions": (f"bit length: the operation's operand width (TF32 {conv.tf32_bits} bits, FP6 {conv.fp6_bits} "
                            f"bits); dense MACs counted as 2 operations; counted per {conv.count_per}; PD on the non-planar "
                            "die area (3A090 Technical Notes 1-4)")}


def _eccns(s, vals, pair, day, v, chip) -> list[dict]:
    """Every ECCN considered, and why it is kept or eliminated — never a silent default."""
    out = []
    for rule in s.classification:
        if not rule_in_force(rule, day):
            continue
        truth = holds(rule["when"], vals, pair, s)
        conds = _conjuncts(rule["when"], vals, pair, s, None)
        if truth is True:
            why = "every condition holds: " + "; ".join(c["condition"] for c in conds)
        else:
            why = ("fails: " if truth is False else "open: ") + "; ".join(
                f"{c['condition']} ({c['truth']})" for c in conds if c["truth"] != "holds")
        out.append({"eccn": rule["id"], "class": rule["class"], "result": {True: "applies", False: "eliminated",
                                                                            None: "open (a figure is missing)"}[truth],
                    "why": why, "citation": rule["citation"]})
    out += [{"eccn": e, "class": e, "result": "considered", "why": why, "citation": cite} for e, why, cite in OTHER_ECCNS]
    below = str(chip.get("eccn_below_3a090", "") or "")
    below = "" if below == "nan" else below
    caught = v["classification"] != NOT_CONTROLLED and not str(v["classification"]).startswith("indeterminate")
    for e in BELOW_3A090:
        if caught:
            why, result = "the item is caught by 3A090, which takes precedence", "eliminated"
        elif below:
            result = "applies" if below.startswith(e.split(".")[0]) or below == e else "eliminated"
            why = f"the table gives {below} ({chip.get('eccn_source', '') or 'source in the row'})"
        else:
            result, why = "open", "the item's classification below 3A090 is not in the table; the exporter must state it"
        out.append({"eccn": e, "class": e, "result": result, "why": why, "citation": "15 CFR 774 Supp. 1"})
    return out


def _screening(ctx) -> list[str]:
    said = {"entity_list": f"a party is on the Entity List ({ctx.entity_list})",
            "military_end_use": "known military end use or end user (15 CFR 744.21)",
            "military_intelligence": "known military-intelligence end use or end user (15 CFR 744.22)",
            "listed_affiliate": "a party is owned 50 % or more by listed parties (Affiliates rule)"}
    found = [said[p] for p in sorted(said) if p in ctx.party or (p == "entity_list" and ctx.entity_list != "none")]
    return found or ["assuming no listed party (Entity List, MEU list) and no military or military-intelligence end "
                     "use or end user: chipsim cannot screen a party; screen them and date the lists used"]


def _rules(s, comp, vals, pair, classes, day) -> list[dict]:
    """Each chain (layer) and the rules in force in it, with the first that holds for this pair."""
    out = []
    for chain, rules in comp.chains.items():
        for _, rule in rules:
            truth = {holds(rule["when"], vals, pair, s, c) for c in classes}
            verdict = "holds" if truth == {True} else "does not hold" if truth == {False} else "open"
            out.append({"chain": chain, "rule": rule["id"], "outcome": rule["outcome"], "result": verdict,
                        "review_policy": rule.get("review_policy", ""), "exception": rule.get("exception", ""),
                        "from": str(rule.get("from", s.effective)), "to": str(rule.get("to", "")),
                        "citation": rule["citation"], "evidence": rule.get("evidence", s.evidence)})
    return out


def _exceptions(s, comp, vals, pair, classes) -> list[dict]:
    """Every licence exception the rules offer, and why it is or is not available to this pair: its own
    conditions, and whether an earlier rule of its chain decides first (first match wins in a chain)."""
    out = []
    c = classes[0] if len(classes) == 1 else None
    for _, rules in comp.chains.items():
        decided_by = None
        for _, rule in rules:
            conds = _conjuncts(rule["when"], vals, pair, s, c)
            holds_here = all(x["truth"] == "holds" for x in conds)
            if rule["outcome"] == "exception":
                failing = [x["condition"] for x in conds if x["truth"] != "holds"]
                if decided_by:
                    why = f"not reached: rule {decided_by} decides first in this chain"
                else:
                    why = "all its conditions hold" if holds_here else "not met: " + "; ".join(failing)
                out.append({"exception": rule.get("exception", ""), "rule": rule["id"],
                            "available": holds_here and decided_by is None, "why": why, "citation": rule["citation"]})
            if holds_here and decided_by is None:
                decided_by = rule["id"]
    return out


def _provenance(s, table, chip_id, dest, ctx, conv, day) -> dict:
    table_csv = table.to_csv(index=False).encode()
    parts = {"chip_table_sha256": _sha(table_csv), "rules_sha256": rules_digest(s),
             "edits_sha256": _sha(json.dumps(sorted(s.edits.items())).encode()), "chipsim_version": __version__}
    inputs = json.dumps({**parts, "chip_id": chip_id, "destination": dest, "as_of": str(day), "scenario": s.id,
                         "context": [ctx.hq, ctx.export, ctx.quantity, sorted(ctx.party), ctx.entity_list],
                         "conventions": [conv.tf32_bits, conv.fp6_bits, conv.count_per, conv.is_informed_scope]},
                        sort_keys=True).encode()
    return {**parts, "record_sha256": _sha(inputs),
            "reproduce": f"chipsim memo {chip_id} --dest {dest} --scenario {s.id} --as-of {day}"
                         + "".join(f" --set {k}={s.parameters[k].text(v)}" for k, v in sorted(s.edits.items()))}


# ------------------------------------------------------------------------------------------------ rendering

def to_json(record: dict) -> str:
    return json.dumps(record, indent=1, sort_keys=True, ensure_ascii=False, default=str) + "\n"


def _sections(record: dict) -> list[tuple[str, list]]:
    """The record as (heading, lines) in memo order; each line is text or a table (list of dicts)."""
    o, sc = record["outcome"], record["scenario"]
    head = [f"**Outcome: {o['outcome'].upper()}**" + (f" — {o['review_policy']}" if o["review_policy"] else "")
            + (f" — License Exception {o['exception']}" if o["exception"] else ""),
            f"Rule `{o['rule']}`: {o['citation']}", f"Reason: {o['reason']}"]
    head += [f"Conditions: {o['conditions']}"] if o["conditions"] else []
    head += [f"Advisories: {o['advisories']}"] if o["advisories"] else []
    head += [f"**Warning:** {o['warning']}"] if o["warning"] else []
    head += ([f"Import side (the destination's own measures; not part of this US determination): {o['import']} — "
              f"{o['import_measures']}"] if o.get("import_measures") else [])
    status = f"{sc['id']} — {sc['title']} (status: {sc['status']}" + ("; a proposal, not law" if sc["proposal"] else "") + ")"
    sections = [
        ("Determination", head),
        ("Rules evaluated", [status, f"Evaluated on {sc['evaluated_on']}; effective {sc['effective']}; {sc['citation']}",
                             "Edited parameters: " + (", ".join(f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v}"
                                                       for k, v in sc["edits"].items()) or "none")]),
        ("Item", [[{"field": k, "value": v} for k, v in record["item"].items()]]),
        ("Transaction", [[{"field": k, "value": str(v)} for k, v in record["transaction"].items()]]),
        ("Screening", record["screening"]),
        ("Input figures", [record["inputs"]]),
        ("Metrics worked out", [record["metrics"]["tpp"], record["metrics"]["pd"],
                                f"DRAM {record['metrics']['dram_bw_gbps']} GB/s; I/O {record['metrics']['io_bw_gbps']} GB/s",
                                "Conventions: " + record["metrics"]["conventions"]]),
        ("ECCNs considered", [record["eccns"]]),
        ("Licence exceptions examined", [record["exceptions"] or "The rules offer no licence exception here."]),
        ("Rules applied (every layer, with dates)", [record["rules"]]),
    ]
    if "nac_notification" in record:
        n = record["nac_notification"]
        sections.append(("NAC notification data (prefilled)", [f"Item: {n['item']}; TPP {n['tpp']}; PD {n['pd']}; "
                                                                f"designed or marketed for datacenters: {n['datacenter']}",
                                                                *[f"- [ ] {c}" for c in n["checklist"]], f"Source: {n['source']}"]))
    if "case_by_case_checklist" in record:
        c = record["case_by_case_checklist"]
        sections.append(("January 2026 case-by-case: conditions to document", [*[f"- [ ] {i}" for i in c["items"]],
                                                                               c["note"], f"Source: {c['source']}"]))
    p = record["provenance"]
    sections += [
        ("Sign-off", [f"Prepared by: {record['signoff']['preparer'] or '________________'}    Date: ________",
                      f"Reviewed by: {record['signoff']['reviewer'] or '________________'}    Date: ________"]),
        ("Reproducibility", [[{"field": k, "value": v} for k, v in p.items()]]),
        ("Retention and scope", [record["retention"], record["disclaimer"]]),
    ]
    return sections


def _md_cell(v) -> str:
    return str(v).replace("|", "\\|").replace("\n", " ")


def to_markdown(record: dict) -> str:
    out = [f"# {record['title']}", ""]
    for heading, lines in _sections(record):
        out += [f"## {heading}", ""]
        for line in lines:
            if isinstance(line, list) and line and isinstance(line[0], dict):
                cols = list(line[0])
                out += ["| " + " | ".join(cols) + " |", "| " + " | ".join("---" for _ in cols) + " |"]
                out += ["| " + " | ".join(_md_cell(r.get(c, "")) for c in cols) + " |" for r in line]
            else:
                out.append(str(line) if str(line).startswith("- [ ]") else str(line) + "  ")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


CSS = """body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;max-width:60rem;margin:2rem auto;color:#111;padding:0 1rem}
h1{font-size:1.4rem;border-bottom:2px solid #111;padding-bottom:.3rem}h2{font-size:1.1rem;margin-top:1.6rem;border-bottom:1px solid #bbb}
table{border-collapse:collapse;width:100%;font-size:12px;margin:.4rem 0}th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f2f2f2}.outcome{font-size:1.15rem}code{font-size:12px}
@media print{body{margin:0;max-width:none;font-size:11px}h2{break-after:avoid}table,tr{break-inside:avoid}a{color:#000}}"""


def to_html(record: dict) -> str:
    """Self-contained HTML that prints cleanly to PDF from a browser (print stylesheet, no scripts)."""
    esc = html.escape
    body = [f"<h1>{esc(record['title'])}</h1>"]
    for heading, lines in _sections(record):
        body.append(f"<h2>{esc(heading)}</h2>")
        items = []
        for line in lines:
            if isinstance(line, list) and line and isinstance(line[0], dict):
                cols = list(line[0])
                rows = "".join("<tr>" + "".join(f"<td>{esc(str(r.get(c, '')))}</td>" for c in cols) + "</tr>" for r in line)
                body.append("<table><thead><tr>" + "".join(f"<th>{esc(c)}</th>" for c in cols) + f"</tr></thead>{rows}</table>")
            elif str(line).startswith("- [ ] "):
                items.append(f"<li>&#9744; {esc(str(line)[6:])}</li>")
            else:
                text = esc(str(line))
                text = text.replace("**", "").replace("`", "")  # emphasis is the paragraph's class, not markup
                cls = ' class="outcome"' if str(line).startswith("**Outcome") else ""
                body.append(f"<p{cls}>{text}</p>")
        if items:
            body.append("<ul style='list-style:none;padding-left:0'>" + "".join(items) + "</ul>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{esc(record['title'])}</title><style>{CSS}</style></head><body>\n" + "\n".join(body)
            + "\n</body></html>\n")


def render(record: dict, fmt: str) -> str:
    return {"md": to_markdown, "html": to_html, "json": to_json}[fmt](record)


def log_line(record: dict, file_name: str = "") -> str:
    """One JSON line for an append-only log of determinations."""
    o, p = record["outcome"], record["provenance"]
    return json.dumps({"record_sha256": p["record_sha256"], "item": record["item"]["chip_id"],
                       "destination": record["transaction"]["destination"], "scenario": record["scenario"]["id"],
                       "evaluated_on": record["scenario"]["evaluated_on"], "outcome": o["outcome"], "rule": o["rule"],
                       "preparer": record["signoff"]["preparer"], "file": file_name}, sort_keys=True) + "\n"
