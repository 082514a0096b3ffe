"""Plain words: verdicts as sentences, outcome meanings, units, acronyms with their expansion on hover."""

from __future__ import annotations

import html
import re

from sim.rules.glossary import ACRONYM, lookup

OUTCOME_MEANING = {
    "allowed": "no license required",
    "exception": "license exception available",
    "license": "license required",
    "denied": "license required, presumption of denial",
    "indeterminate": "cannot tell: a figure is unknown",
}
UNITS = {"tpp": "TPP", "pd": "TPP/mm²", "dram_bw_gbps": "GB/s", "io_bw_gbps": "GB/s", "dram_plus_io_gbps": "GB/s",
         "die_area_mm2": "mm²", "memory_gb": "GB", "tdp_w": "W", "h100e": "H100 SXM"}


def outcome_key(outcome: str) -> str:
    """'allowed — no license required': the engine's word and what it means, for legends."""
    return f"{outcome} — {OUTCOME_MEANING.get(outcome, outcome)}"


CLI_ASIDE = re.compile(r"\s*\((?:CLI|chipsim) --[^)]*\)")


def web_text(text: str) -> str:
    """Rule notes written for every front end, with command-line asides (CLI --flag ...) left out on the web."""
    return CLI_ASIDE.sub("", text or "")


def abbreviate(text: str) -> str:
    """HTML-escaped text whose acronyms (NAC, D:5, TPP, ...) show their expansion and citation on hover."""
    text = web_text(text)
    out, last = [], 0
    for m in ACRONYM.finditer(text or ""):
        term = lookup(m.group(0))
        if term is None:
            continue
        out.append(html.escape(text[last:m.start()]))
        out.append(f'<abbr title="{html.escape(term.short(), quote=True)}">{html.escape(m.group(0))}</abbr>')
        last = m.end()
    out.append(html.escape((text or "")[last:]))
    return "".join(out)


def class_phrase(classification: str) -> str:
    if classification == "not controlled":
        return "outside 3A090 (not controlled)"
    if classification.startswith("indeterminate"):
        inside = re.sub(r"^indeterminate \((.*)\)$", r"\1", classification)
        return f"of uncertain classification ({inside}: a figure is unknown)"
    return f"classified {classification}"


def rule_note(scenario, rule_id: str) -> str:
    """The deciding rule's own note, with its parameters filled in."""
    from sim.engine.reasons import fill_params

    for rules in scenario.chains.values():
        for rule in rules:
            if rule.get("id") == rule_id:
                return fill_params(rule.get("note", ""), scenario)
    return ""


def headline(v, scenario) -> str:
    """The verdict as one sentence: 'License required (case-by-case) — the chip is outside 3A090, but ...'."""
    outcome, cls = v["outcome"], v["classification"]
    if outcome == "allowed":
        lead = "No license required"
    elif outcome == "exception":
        lead = f"No license needed: License Exception {v['exception']} applies" if v["exception"] else "License exception applies"
    elif outcome == "license":
        lead = "License required" + (f" ({v['review_policy']})" if v["review_policy"] else "")
    elif outcome == "denied":  # the rule's own words where it has them (a bill: "every application denied")
        policy = v.get("review_policy") or ""
        lead = (policy[0].upper() + policy[1:] if policy.lower().startswith("license required")
                else "License required, presumption of denial")
    else:
        return f"Cannot tell — {v['reason']}"
    note = rule_note(scenario, v["rule"])
    if v["rule"] == "no-export":
        return f"{lead} — a sale inside the United States is no export"
    if outcome == "allowed":
        tail = "" if cls == "not controlled" else ", and no license requirement of these rules covers this destination"
        return f"{lead} — the chip is {class_phrase(cls)}{tail}"
    joint = ", but" if cls == "not controlled" else ";"
    return f"{lead} — the chip is {class_phrase(cls)}{joint} {note or 'rule ' + v['rule'] + ' applies'}"


def fmt_number(value, unit: str = "", digits: int = 0) -> str:
    if value is None or value != value:
        return "unknown"
    text = f"{value:,.{digits}f}"
    return f"{text} {unit}".strip()
