"""China's domestic AI-chip production as sourced ranges: the other side of a compute balance.

Estimates disagree widely (capacity vs plans vs output, dies vs packages), so chipsim bundles two tables:
every estimate found with its source, date, evidence grade and quote (`china_domestic_estimates.csv`),
and a per-year, per-producer envelope (`china_domestic_envelope.csv`) whose low and high each rest on
named estimates. The envelope is what the balance draws from; the estimates are what a reader checks.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import ValidationError
from .chips import _read_file
from .volumes import SHIPMENTS, Field, _cell_problems, _parse_numbers, _Reporter, _typed, known_chip_ids, read_table

ENVELOPE = SHIPMENTS / "china_domestic_envelope.csv"
ESTIMATES = SHIPMENTS / "china_domestic_estimates.csv"
GRADES = ("P", "S", "W")

ENVELOPE_FIELDS: tuple[Field, ...] = (
    Field("year", "year", True, "calendar year of production"),
    Field("producer", "text", True, "the maker (Huawei, Cambricon, ...)"),
    Field("units_low", "number", True, "low end of chips made that year (packages, i.e. sellable chips)"),
    Field("units_high", "number", True, "high end"),
    Field("chip_low", "chip_id", True, "the chip whose H100e per unit counts the low end (the weakest in the mix)"),
    Field("chip_high", "chip_id", True, "the chip whose H100e per unit counts the high end (the strongest in the mix)"),
    Field("grade", "text", True, "the weakest evidence grade the range rests on: P, S or W"),
    Field("rests_on", "text", True, "estimate_id(s) of china_domestic_estimates.csv the low and high come from"),
    Field("note", "text", False, "what is counted and how the edges were chosen"),
)


def parse_envelope(data: bytes | str, name: str = "<upload>", chip_ids=None) -> pd.DataFrame:
    """A domestic-production envelope, typed; ValidationError listing every problem otherwise."""
    frame, lines = read_table(data, name, ENVELOPE_FIELDS, "domestic production table")
    report = _Reporter(frame, lines, name)
    _cell_problems(frame, report, ENVELOPE_FIELDS, known_chip_ids(chip_ids))
    low, high = _parse_numbers(frame["units_low"]), _parse_numbers(frame["units_high"])
    report(high < low, "units_high", lambda i: f"at least units_low ({low.iat[i]:,.10g})")
    report((frame["grade"] != "") & ~frame["grade"].isin(GRADES), "grade", "one of P, S, W")
    report(frame.duplicated(["year", "producer"]), "producer", "one range per producer and year")
    if report.problems:
        raise ValidationError(sorted(report.problems, key=lambda p: p.line or 0))
    return _typed(frame, ENVELOPE_FIELDS, name)


def load_envelope(path=None, chip_ids=None) -> pd.DataFrame:
    path = ENVELOPE if path is None else Path(path)
    shown = "shipments/china_domestic_envelope.csv" if path == ENVELOPE else str(path)
    return parse_envelope(_read_file(path), name=shown, chip_ids=chip_ids)


def load_estimates() -> pd.DataFrame:
    """Every estimate behind the envelope, as text (source, url, date, grade, quote)."""
    return pd.read_csv(ESTIMATES, dtype=str, keep_default_na=False)
