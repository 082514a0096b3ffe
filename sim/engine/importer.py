"""The import answer per chip x destination: what the destination's own measures say, beside the US outcome.

Vectorised over chips and destinations (a handful of measures, each a mask); never merged into the US outcome.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..rules.importers import ImportRules, load_import_rules
from ..rules.predicates import names_match

MEASURE_SEPARATOR = " | "  # between measures in the text (their citations hold semicolons of their own)


def _chip_mask(measure, chips: pd.DataFrame) -> np.ndarray:
    def text(col):
        return chips[col].fillna("").astype(str).str.strip().to_numpy() if col in chips else np.full(len(chips), "")

    mask = np.ones(len(chips), dtype=bool)
    if measure.chips:
        mask &= names_match(chips["chip_id"].to_numpy(dtype=str), measure.chips)
    if measure.designed_outside:  # unknown designer country: not counted as foreign (no measure on a guess)
        designer = text("designer_country")
        mask &= (designer != "") & (designer != measure.designed_outside)
    if measure.designed_in:
        mask &= text("designer_country") == measure.designed_in
    if measure.datacenter is not None:
        mask &= chips["datacenter"].fillna(True).to_numpy(dtype=bool) == bool(measure.datacenter)
    return mask


def import_answers(chips: pd.DataFrame, codes, day: dt.date, rules: ImportRules | None = None):
    """(word, measures text) arrays shaped (chips, destinations) on `day`.

    The word is the strongest measure in force that no later measure in force supersedes ("open" where none);
    the text lists every measure in force for the pair, advisories included, each with its date and citation.
    Destinations are read as written (Hong Kong is its own customs territory: China's measures stop at it).
    """
    rules = load_import_rules() if rules is None else rules
    codes = np.asarray(list(codes), dtype=str)
    rank = {w: i for i, w in enumerate(rules.words)}
    iso = day.isoformat()
    live = [m for m in rules.measures if m.start <= iso and (not m.end or iso <= m.end)]
    superseded = {s for m in live for s in m.supersedes}
    best = np.zeros((len(chips), len(codes)), dtype=np.int16)
    notes = np.full((len(chips), len(codes)), "", dtype=object)
    for m in live:
        hit = _chip_mask(m, chips)[:, None] & (codes == m.country)[None, :]
        if not hit.any():
            continue
        shown = f"{m.text} (from {m.start}; {m.citation}; evidence {m.evidence or '?'})"
        if m.id in superseded:
            shown = "superseded: " + shown
        elif m.kind == "measure":
            best = np.where(hit, np.maximum(best, rank[m.word]), best)
        notes[hit] = np.where(notes[hit] == "", shown, notes[hit] + MEASURE_SEPARATOR + shown)
    return np.asarray(rules.words, dtype=object)[best], notes
