"""Method: generated from what the engine reads — metric conventions (sim/rules/conventions.py), bit lengths
(sim/data/schema.py), presets and their rules (sim/rules), country-group changes (sim/data) — so it cannot
contradict the engine. Not legal advice."""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
import streamlit as st

from sim.data.destinations import memberships
from sim.data.schema import CONFIDENCE_GRADES, THROUGHPUT_BITS
from sim.data.volumes import load_volumes, volume_provenance
from sim.engine.derived import derived_text, resolve_derived
from sim.engine.vectorised import Context
from sim.report.flows_text import method_lines
from sim.rules.conventions import DEFAULT_CONVENTIONS, MetricConventions
from sim.rules.glossary import terms
from sim.rules.importers import load_import_rules

from . import periods
from .loaders import bundled_chips, preset
from .words import OUTCOME_MEANING, abbreviate, web_text


def convention_notes(cls=MetricConventions) -> dict[str, str]:
    """Each field's explanation, read from the conventions' own docstring."""
    doc = cls.__doc__ or ""
    out, name = {}, None
    for line in doc.splitlines():
        m = re.match(r"^    (\w+): (.*)$", line)
        if m and m.group(1) in {f.name for f in dataclasses.fields(cls)}:
            name = m.group(1)
            out[name] = m.group(2).strip()
        elif name and line.startswith("        "):
            out[name] += " " + line.strip()
        elif line.strip() == "":
            name = None
    return out


def bit_lengths_text(conv: MetricConventions = DEFAULT_CONVENTIONS) -> str:
    fixed = {"tf32_tflops": conv.tf32_bits, "fp6_tflops": conv.fp6_bits}
    parts = []
    for col, bits in THROUGHPUT_BITS.items():
        label = col.split("_")[0].upper().replace("FP16", "FP16/BF16")
        parts.append(f"{label} {bits or fixed[col]}" + ("" if bits else " (convention)"))
    return ", ".join(parts)


def rules_table(s) -> pd.DataFrame:
    rows = [{"part": "classification", "rule": r["id"], "gives": r["class"], "dates": _dates(r), "citation": r["citation"]}
            for r in s.classification]
    for chain, rules in s.chains.items():
        rows += [{"part": f"licensing chain '{chain}'", "rule": r["id"],
                  "gives": r["outcome"] + (f" ({r['exception']})" if r.get("exception") else "")
                  + (f", {r['review_policy']}" if r.get("review_policy") else ""),
                  "dates": _dates(r), "citation": r["citation"], "note": web_text(r.get("note", ""))} for r in rules]
    for key, what in (("conditions", "condition (flagged, no outcome)"), ("advisories", "advisory (flagged, no outcome)")):
        rows += [{"part": what, "rule": r["id"], "gives": "", "dates": _dates(r), "citation": r["citation"],
                  "note": web_text(r.get("text", ""))} for r in getattr(s, key, [])]
    return pd.DataFrame(rows)


def _show(value) -> str:
    return f"{value:,.6g}" if isinstance(value, float) else str(value)


def _dates(rule) -> str:
    f, t = rule.get("from", ""), rule.get("to", "")
    return f"{f or '…'} to {t or '…'}" if f or t else ""


def derived_section(state) -> None:
    """Thresholds derived from the chip table, explained from the presets that use them and the table itself."""
    users = [(pid, p) for pid in periods.grouped_presets() for p in preset(pid).parameters.values() if p.derived]
    if not users:
        return
    st.subheader("Thresholds derived from the chip table")
    for pid, p in users:
        resolved = resolve_derived(preset(pid), state.table, state.as_of, force=True).parameters[p.name]
        margin = p.derived.get("times_one_plus")
        st.markdown(f"`{p.name}` ({pid}): the best {p.derived['metric'].upper()} among chips whose designer_country is "
                    f"{p.derived['designer_country']} and whose volume_production date is on or before the evaluation "
                    f"date (a ranged figure counts by its low end; a blank date never counts)"
                    + (f", times (1 + `{margin}`)" if margin else "") + f". On {state.as_of}: {derived_text(resolved)}. "
                    "It is recomputed whenever the table or the date changes; a sweep over the margin recomputes it per point.")
    designer = state.table.get("designer_country", pd.Series("", index=state.table.index)).fillna("")
    chinese = state.table[designer == users[0][1].derived["designer_country"]]
    cols = [c for c in ("chip_id", "name", "volume_production", "volume_production_source") if c in chinese]
    st.dataframe(chinese[cols].merge(state.metrics_table()[["chip_id", "tpp"]], on="chip_id")
                 .sort_values("tpp", ascending=False), hide_index=True, width="stretch")


def importer_section() -> None:
    """The importer's side, listed from its own data file: what each measure says, from when, on whose word."""
    rules = load_import_rules()
    st.subheader("The importer's side")
    st.markdown("A separate *import* answer beside the US outcome, never merged into it: the strongest measure in "
                "force that no later one supersedes, in the order " + " < ".join(f"*{w}*" for w in rules.words)
                + ". Hong Kong is its own customs territory: China's measures stop there. Advisories are listed and "
                "never change the answer.")
    st.dataframe(pd.DataFrame([{"country": m.country, "from": m.start, "import": m.word, "kind": m.kind,
                                "applies to": ", ".join(m.chips) or (f"chips designed outside {m.designed_outside}"
                                                                    if m.designed_outside else
                                                                    f"chips designed in {m.designed_in}"),
                                "measure": m.text, "source": m.citation, "evidence": m.evidence}
                               for m in rules.measures]), hide_index=True, width="stretch")


def render(state) -> None:
    st.header("Method")
    conv = DEFAULT_CONVENTIONS
    table = state.metrics_table()
    st.markdown("**Not legal advice.** chipsim models the published (and some reported) US rules on advanced computing "
                "ICs. It does not replace a classification by counsel or a BIS advisory opinion. Everything below is "
                "generated from the data the engine evaluates.")

    st.subheader("Metrics")
    st.markdown(abbreviate(
        "TPP (15 CFR 774 Supp. 1, ECCN 3A090, Technical Notes 1-3) is the highest, over all precisions, of dense "
        f"TOPS x bit length of the operation. Bit lengths chipsim uses: {bit_lengths_text(conv)}. Sparse vendor "
        "figures are halved (the chip table lists which). PD (Technical Note 4) is TPP divided by the applicable die "
        "area in mm² — the sum of non-planar logic dies, HBM excluded; a chip without a known die area has no PD, "
        "never PD 0."), unsafe_allow_html=True)
    notes = convention_notes()
    st.markdown("Where the regulation is silent, chipsim decides once and names the choice (a setting you can change):")
    st.markdown("\n".join(f"- **{f.name} = {_show(getattr(conv, f.name))}**: {abbreviate(notes.get(f.name, ''))}"
                           for f in dataclasses.fields(conv)), unsafe_allow_html=True)

    st.subheader("Outcomes")
    exceptions = sorted({t.term for t in terms() if t.expansion.startswith("License Exception")})
    st.markdown("\n".join(f"- **{o}**: {m}" for o, m in OUTCOME_MEANING.items())
                + f"\n\nLicense Exceptions the presets grant: {', '.join(exceptions)} (see Glossary). A pair is "
                "*indeterminate* only where a missing figure could change the answer; it is never treated as zero.")
    ctx_fields = ", ".join(f.name for f in dataclasses.fields(Context))
    st.markdown(f"The transaction (sidebar) sets: {ctx_fields}. What is not written in a preset's rules below is "
                "outside the model.")

    st.subheader("Presets and their rules")
    st.markdown("Enacted rules (in force, or written and not enforced, or unpublished letters known from company "
                "filings) and **proposals under debate** (bills, letters: not law) are both presets; a proposal is an "
                "overlay on the rules it extends, and every verdict and export under it says *NOT LAW*.")
    rows = []
    for pid in periods.grouped_presets():
        s = preset(pid)
        start, end = periods.period(s)
        rows.append({"preset": pid, "group": s.group, "title": s.title, "status": periods.status_text(s),
                     "extends": s.extends or "", "period": f"{start} to {end or 'open'}",
                     "phases": "; ".join(periods.phase_label(p) for p in periods.phases(s)), "evidence": s.evidence,
                     "citation": s.citation})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    for pid in periods.grouped_presets():
        s = preset(pid)
        with st.expander(f"{pid}: rules and parameters"):
            if s.notes:
                st.markdown(abbreviate(s.notes), unsafe_allow_html=True)
            st.dataframe(rules_table(s), hide_index=True, width="stretch")
            st.dataframe(pd.DataFrame([{"parameter": p.name, "in plain words": p.short,
                                        "value": "derived" if p.derived else p.text(), "unit": p.unit,
                                        "meaning": p.label,
                                        "stricter": p.stricter, "citation": p.citation} for p in s.parameters.values()]),
                         hide_index=True, width="stretch")
            layers = getattr(s, "layers", ())
            if layers:
                st.caption("Shared rule layers merged into this preset: " + ", ".join(layers))

    derived_section(state)
    importer_section()

    st.subheader("Country groups over time")
    m = memberships()
    dated = m[(m["effective_from"] != "") | (m["effective_to"] != "")]
    st.dataframe(dated[["group", "iso2", "effective_from", "effective_to", "citation"]], hide_index=True, width="stretch")
    st.caption("Hong Kong is evaluated as China (85 FR 83788); every other membership is as listed in "
               "15 CFR 740 Supp. No. 1.")

    st.subheader("Compute flows")
    st.markdown("\n".join("- " + line for line in method_lines()))
    st.caption(f"Shipment volumes: {volume_provenance(load_volumes())} (MIT licence, bundled with it). "
               "Volume caps are part of the rules (a cap names the rule it limits and its parameter) and bind only on "
               "volumes, never on a single verdict.")

    st.subheader("Evidence")
    bundled = bundled_chips()
    st.markdown(f"Presets and parameters carry an evidence grade: *P* (primary legal text), *S* (secondary source); "
                f"UNCERTAIN marks a reading in a citation. Each chip row carries one of {', '.join(CONFIDENCE_GRADES)}: "
                + ", ".join(f"{int((bundled['confidence'] == g).sum())} {g}" for g in CONFIDENCE_GRADES)
                + f" of the {len(bundled)} bundled chips; {int(table['pd'].isna().sum())} chips in this session have no "
                "known PD (die area unknown) and "
                f"{int(table['tpp'].isna().sum())} no TPP.")
