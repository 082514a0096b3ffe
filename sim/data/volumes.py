"""Shipment volumes: how many of which chip went to whom and when, as estimates with a band.

A consequences model multiplies verdicts by volumes, so a volumes table gets the chip table's care:
cells are parsed, never corrected; every problem is reported at once with its line, row and column;
the table loads whole or not at all. Each row names its source and vintage, so every figure derived
from it can say where it came from. The bundled table is Epoch AI's per-quarter estimates, converted
by `epoch_counts.py` into `shipments/epoch_owner_quarters.csv`; a user's own file replaces it.

Where a row counts: `destination` is the country whose export rules the shipment meets. Epoch's US
hyperscaler fleets are counted as US purchases (destination US), although some of those chips sit
in data centres abroad. `hq` is the buyer's headquarters, for rules that look at the parent company;
blank in a user's file means "same as destination".
"""

from __future__ import annotations

import csv
import difflib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import Problem, ValidationError
from .chips import _decode, _read_file, _split_rows, load_chips
from .destinations import countries

SHIPMENTS = Path(__file__).resolve().parent / "shipments"  # bundled shipment data, with its licence and README
BUNDLED_VOLUMES = SHIPMENTS / "epoch_owner_quarters.csv"
BUNDLED_PRICES = SHIPMENTS / "epoch_prices.csv"
MAX_VOLUME_BYTES = 5_000_000  # a volumes table is kilobytes (Epoch's has 179 rows); 20,000 rows of ~250 bytes fit
EARLIEST_YEAR, LATEST_YEAR = 1990, 2100  # dates outside are typing mistakes, not shipments

# Where the bundled tables come from; the rows' `source` cells say the same, this is for provenance screens.
BUNDLED_SOURCE = {
    "dataset": "Epoch AI, ai-chip-counts",
    "licence": "MIT (shipments/LICENSE-epoch-ai-chip-counts)",
    "repository": "https://github.com/epoch-research/ai-chip-counts",
    "commit": "d1b1bc311479ed385befa400e94533afc8b59fb7",
    "commit_date": "2026-04-22",
    "volumes_file": "owners_csv_export/nvidia_owners_quarters_by_chip.csv",
    "prices_file": "data_inputs/Nvidia annual prices.csv",
}


@dataclass(frozen=True)
class Field:
    """One column of a shipment table: its kind decides how cells are checked and typed."""

    name: str
    kind: str  # text, date, iso2, chip_id, number, year
    required: bool = False  # the header must name it and no cell may be blank
    meaning: str = ""


VOLUME_FIELDS: tuple[Field, ...] = (
    Field("source", "text", True, "the data set and file the figures come from"),
    Field("vintage", "date", True, "when the estimates were made (YYYY-MM-DD)"),
    Field("owner", "text", True, "who bought the chips (e.g. China, Microsoft)"),
    Field("destination", "iso2", True, "ISO 3166-1 alpha-2 country whose export rules the shipment meets"),
    Field("hq", "iso2", False, "ISO alpha-2 of the owner's headquarters; blank = same as destination"),
    Field("chip_family", "text", False, "the source's own chip type (e.g. 'H100/H200')"),
    Field("chip_id", "chip_id", True, "chipsim's chip_id standing for the family"),
    Field("period_start", "date", True, "first day of the period (YYYY-MM-DD, inclusive)"),
    Field("period_end", "date", True, "last day of the period (YYYY-MM-DD, inclusive)"),
    Field("units_p5", "number", False, "units shipped, 5th percentile (blank with units_p95 = point estimate)"),
    Field("units_p50", "number", True, "units shipped, median"),
    Field("units_p95", "number", False, "units shipped, 95th percentile"),
    Field("h100e_p5", "number", False, "the source's own H100-equivalents, 5th percentile"),
    Field("h100e_p50", "number", False, "the source's own H100-equivalents, median"),
    Field("h100e_p95", "number", False, "the source's own H100-equivalents, 95th percentile"),
    Field("note", "text", False, "free text"),
)
VOLUME_COLUMNS: tuple[str, ...] = tuple(f.name for f in VOLUME_FIELDS)

PRICE_FIELDS: tuple[Field, ...] = (
    Field("source", "text", True, "the data set and file the prices come from"),
    Field("chip_family", "text", False, "the source's own chip name"),
    Field("chip_id", "chip_id", True, "chipsim's chip_id standing for it"),
    Field("year", "year", True, "the year the price range applies to"),
    Field("price_low_usd", "number", True, "low end of the unit price, US dollars"),
    Field("price_high_usd", "number", True, "high end of the unit price, US dollars"),
    Field("note", "text", False, "free text"),
)
PRICE_COLUMNS: tuple[str, ...] = tuple(f.name for f in PRICE_FIELDS)

# The same chips must not be counted twice: one period per owner, destination and chip.
SERIES_KEY = ("owner", "destination", "chip_id")
_BANDS = (("units_p5", "units_p50", "units_p95"), ("h100e_p5", "h100e_p50", "h100e_p95"))
_ISO_DATE = r"\d{4}-\d{2}-\d{2}"


# ---------------------------------------------------------------- reading a table


def decode_table(data: bytes | str, name: str, what: str = "volumes table") -> str:
    """Text of a shipment table; a file too big to be one is refused before parsing."""
    if len(data) > MAX_VOLUME_BYTES:
        raise ValidationError([Problem(name, f"a {what} under {MAX_VOLUME_BYTES // 1_000_000} MB (got {len(data):,} bytes)")])
    return _decode(data, name)


def _header_problems(header: list[str], fields: tuple[Field, ...], name: str) -> list[Problem]:
    known = [f.name for f in fields]
    problems, seen = [], set()
    for h in header:
        if h in seen:
            problems.append(Problem(name, "each column named once", line=1, column=h))
        seen.add(h)
        if h not in known:
            close = difflib.get_close_matches(h, known, n=1)
            hint = f"did you mean '{close[0]}'?" if close else "columns: " + ", ".join(known)
            problems.append(Problem(name, f"a known column ({hint})", line=1, column=h))
    problems += [Problem(name, "this required column in the header", line=1, column=f.name)
                 for f in fields if f.required and f.name not in seen]
    return problems


def read_table(data: bytes | str, name: str, fields: tuple[Field, ...], what: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Text cells (every field present, blanks as '') and each row's line; structural problems raised."""
    header, rows, lines = _split_rows(decode_table(data, name, what), name)
    problems = _header_problems(header, fields, name)
    width = len(header)
    problems += [Problem(name, f"{width} fields like the header (got {len(record)})", line=line, row=i + 1)
                 for i, (record, line) in enumerate(zip(rows, lines)) if len(record) != width]
    if not rows:
        problems.append(Problem(name, f"at least one row below the header (no rows in {name})", line=2))
    if problems:
        raise ValidationError(problems)
    frame = pd.DataFrame(rows, columns=header, dtype=str).apply(lambda s: s.str.strip())
    for f in fields:
        if f.name not in frame:
            frame[f.name] = ""
    return frame[[f.name for f in fields]], np.asarray(lines)


# ---------------------------------------------------------------- checking cells


class _Reporter:
    """Collects Problems for masks of rows, so every check stays a column-wise expression."""

    def __init__(self, frame: pd.DataFrame, lines: np.ndarray, name: str):
        self.frame, self.lines, self.name = frame, lines, name
        self.problems: list[Problem] = []

    def __call__(self, mask, column: str, expected) -> None:
        """`expected` is text, or a function of the row position for messages quoting other cells."""
        for i in np.flatnonzero(np.asarray(mask, dtype=bool)):
            self.problems.append(Problem(self.name, expected(i) if callable(expected) else expected,
                                         line=int(self.lines[i]), row=int(i) + 1, column=column,
                                         value=self.frame[column].iat[i]))


def _parse_dates(raw: pd.Series) -> pd.Series:
    """YYYY-MM-DD cells as datetime64[ns]; anything else (2023-02-30, 2023-1-5, 1900-01-01) as NaT."""
    shaped = raw.where(raw.str.fullmatch(_ISO_DATE).fillna(False).astype(bool))
    dates = pd.to_datetime(shaped, format="%Y-%m-%d", errors="coerce").astype("datetime64[ns]")
    return dates.where(dates.dt.year.between(EARLIEST_YEAR, LATEST_YEAR))


def _parse_numbers(raw: pd.Series) -> pd.Series:
    """Finite numbers >= 0 as float; blanks, words, NaN, infinity and negatives as NaN."""
    values = pd.to_numeric(raw.where(raw != ""), errors="coerce").astype(float)
    return values.where(np.isfinite(values) & (values >= 0))


def _did_you_mean(value: str, known, hint: str = "") -> str:
    close = difflib.get_close_matches(value, sorted(known), n=3, cutoff=0.5)
    if close:
        return " (did you mean " + " or ".join(f"'{c}'" for c in close) + "?)"
    return f" ({hint})" if hint else ""


def _iso_hint(value: str) -> str:
    """The alpha-2 code for an alpha-3 code or a country name someone typed instead."""
    table = countries()
    by_other = {**dict(zip(table["iso3"].str.upper(), table["iso2"])), **dict(zip(table["name"].str.upper(), table["iso2"]))}
    code = by_other.get(value.strip().upper())
    return f" (did you mean '{code}'?)" if code else " (e.g. CN, US, AE; see sim/data/countries.csv)"


def _cell_problems(frame: pd.DataFrame, report: _Reporter, fields: tuple[Field, ...], known_chip_ids: set[str]) -> None:
    """Each cell against its column's kind, one column at a time."""
    iso_codes = countries().index
    for f in fields:
        raw = frame[f.name]
        present = raw != ""
        if f.required:
            report(~present, f.name, "a value (this column may not be empty)")
        if f.kind == "date":
            report(present & _parse_dates(raw).isna(), f.name,
                   f"a real date as YYYY-MM-DD between {EARLIEST_YEAR} and {LATEST_YEAR} (e.g. 2024-03-31)")
        elif f.kind == "number":
            report(present & _parse_numbers(raw).isna(), f.name, "a finite number >= 0, without units or commas")
        elif f.kind == "year":
            year = pd.to_numeric(raw.where(raw.str.fullmatch(r"\d{4}").fillna(False).astype(bool)), errors="coerce")
            report(present & ~year.between(EARLIEST_YEAR, LATEST_YEAR), f.name,
                   f"a year as YYYY between {EARLIEST_YEAR} and {LATEST_YEAR}")
        elif f.kind == "iso2":
            bad = present & ~raw.str.upper().isin(iso_codes)
            report(bad, f.name, lambda i, col=f.name: "an ISO 3166-1 alpha-2 country code" + _iso_hint(frame[col].iat[i]))
        elif f.kind == "chip_id":
            bad = present & ~raw.isin(known_chip_ids)
            report(bad, f.name, lambda i, col=f.name: "a chip_id of the chip table"
                   + _did_you_mean(frame[col].iat[i], known_chip_ids, "see `chipsim chips`"))


def _band_problems(frame: pd.DataFrame, report: _Reporter) -> None:
    """p5 <= p50 <= p95, and p5 and p95 given together or not at all (a point estimate)."""
    for low, mid, high in _BANDS:
        given = {c: frame[c] != "" for c in (low, mid, high)}
        if mid != "units_p50":  # units_p50 is required anyway; an H100e band needs its median
            report((given[low] | given[high]) & ~given[mid], mid,
                   f"a value: {low} or {high} is given, so the median {mid} is needed too")
        report(given[low] & ~given[high], high, f"a value too: {low} and {high} are given together, or both left blank (a point estimate)")
        report(given[high] & ~given[low], low, f"a value too: {low} and {high} are given together, or both left blank (a point estimate)")
        p5, p50, p95 = (_parse_numbers(frame[c]) for c in (low, mid, high))
        report(p5 > p50, low, lambda i, mid=mid, p50=p50: f"at most {mid} ({p50.iat[i]:,.10g}): a 5th percentile cannot exceed the median")
        report(p95 < p50, high, lambda i, mid=mid, p50=p50: f"at least {mid} ({p50.iat[i]:,.10g}): a 95th percentile cannot be below the median")


def _period_problems(frame: pd.DataFrame, report: _Reporter) -> None:
    """End on or after start; no two periods of one owner, destination and chip overlapping."""
    start, end = _parse_dates(frame["period_start"]), _parse_dates(frame["period_end"])
    report(end < start, "period_end",
           lambda i: f"a date on or after period_start ({frame['period_start'].iat[i]}); both days are inclusive")
    keys = pd.DataFrame({"owner": frame["owner"], "destination": frame["destination"].str.upper(), "chip_id": frame["chip_id"]})
    usable = (start <= end) & (keys != "").all(axis=1)
    series = keys.assign(start=start, end=end, pos=np.arange(len(frame)))[usable]
    series = series.sort_values([*SERIES_KEY, "start", "pos"], kind="stable")
    by_series = series.groupby(list(SERIES_KEY), sort=False)
    latest_end = by_series["end"].cummax()
    # the row whose end reaches furthest so far; a later start on or before it overlaps that row
    holder = series["pos"].where(series["end"] == latest_end).groupby([series[k] for k in SERIES_KEY]).ffill()
    grouped = pd.DataFrame({"latest_end": latest_end, "holder": holder}).groupby([series[k] for k in SERIES_KEY])
    previous = grouped.shift(1)
    overlapping = series["start"] <= previous["latest_end"]
    partner = pd.Series(-1, index=np.arange(len(frame)))
    partner.iloc[series["pos"][overlapping].to_numpy()] = previous["holder"][overlapping].astype(int).to_numpy()

    def expected(i):
        j = int(partner.iat[i])
        return (f"a period not overlapping row {j + 1} (line {int(report.lines[j])}: {frame['period_start'].iat[j]} to "
                f"{frame['period_end'].iat[j]}) of the same owner, destination and chip_id; "
                "both rows would count the same chips")

    report(partner.to_numpy() >= 0, "period_start", expected)


def volume_problems(frame: pd.DataFrame, lines: np.ndarray, name: str, known_chip_ids: set[str]) -> list[Problem]:
    """Every problem in a volumes table's text cells (empty when it is clean)."""
    report = _Reporter(frame, lines, name)
    _cell_problems(frame, report, VOLUME_FIELDS, known_chip_ids)
    _band_problems(frame, report)
    _period_problems(frame, report)
    return sorted(report.problems, key=lambda p: p.line or 0)  # in file order, as a person fixes them


def price_problems(frame: pd.DataFrame, lines: np.ndarray, name: str, known_chip_ids: set[str]) -> list[Problem]:
    """Every problem in a price table's text cells: kinds, low <= high, one range per source, chip and year."""
    report = _Reporter(frame, lines, name)
    _cell_problems(frame, report, PRICE_FIELDS, known_chip_ids)
    low, high = _parse_numbers(frame["price_low_usd"]), _parse_numbers(frame["price_high_usd"])
    report(high < low, "price_high_usd", lambda i: f"at least price_low_usd ({low.iat[i]:,.10g})")
    key = ["source", "chip_id", "year"]
    first = pd.Series(np.arange(len(frame)), index=frame.index).groupby([frame[k] for k in key]).transform("first")
    report(frame.duplicated(key, keep="first"), "year",
           lambda i: f"one price range per source, chip_id and year (already given in row {int(first.iat[i]) + 1})")
    return sorted(report.problems, key=lambda p: p.line or 0)


def known_chip_ids(chip_ids=None) -> set[str]:
    """The chip_ids a shipment row may name: the bundled chip table's, a table's, or a given list."""
    if chip_ids is None:
        return set(load_chips()["chip_id"])
    if isinstance(chip_ids, pd.DataFrame):
        return set(chip_ids["chip_id"])
    return {str(c) for c in chip_ids}


# ---------------------------------------------------------------- typed tables


def _typed(frame: pd.DataFrame, fields: tuple[Field, ...], name: str) -> pd.DataFrame:
    """Validated text cells as numbers (float, blank = NaN), dates (datetime64[ns]) and upper-case ISO codes."""
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for f in fields:
        raw = frame[f.name].reset_index(drop=True)
        if f.kind == "date":
            out[f.name] = _parse_dates(raw)
        elif f.kind == "number":
            out[f.name] = _parse_numbers(raw)
        elif f.kind == "year":
            out[f.name] = raw.astype(int)
        elif f.kind == "iso2":
            out[f.name] = raw.astype(str).str.upper()
        else:
            out[f.name] = raw.astype(str)
    out.attrs["source"] = name
    return out


def parse_volumes(data: bytes | str, name: str = "<upload>", chip_ids=None) -> pd.DataFrame:
    """A volumes table from CSV bytes or text, typed; ValidationError listing every problem otherwise.

    `chip_ids`: the chip table (DataFrame) or chip_ids the rows may name; None = the bundled chip table.
    """
    frame, lines = read_table(data, name, VOLUME_FIELDS, "volumes table")
    problems = volume_problems(frame, lines, name, known_chip_ids(chip_ids))
    if problems:
        raise ValidationError(problems)
    table = _typed(frame, VOLUME_FIELDS, name)
    table["hq"] = table["hq"].where(table["hq"] != "", table["destination"])
    return table


def load_volumes(path=None, chip_ids=None) -> pd.DataFrame:
    """The bundled Epoch AI volumes (default) or a user's file, validated whole."""
    path = BUNDLED_VOLUMES if path is None else Path(path)
    shown = "shipments/epoch_owner_quarters.csv" if path == BUNDLED_VOLUMES else str(path)
    return parse_volumes(_read_file(path), name=shown, chip_ids=chip_ids)


def validate_volumes_file(path, chip_ids=None) -> list[Problem]:
    """Every problem in a volumes file (empty list when clean)."""
    try:
        load_volumes(path, chip_ids=chip_ids)
    except ValidationError as exc:
        return exc.problems
    return []


def parse_prices(data: bytes | str, name: str = "<upload>", chip_ids=None) -> pd.DataFrame:
    """A unit-price table (US dollars per chip and year), typed; ValidationError listing every problem otherwise."""
    frame, lines = read_table(data, name, PRICE_FIELDS, "price table")
    problems = price_problems(frame, lines, name, known_chip_ids(chip_ids))
    if problems:
        raise ValidationError(problems)
    return _typed(frame, PRICE_FIELDS, name)


def load_prices(path=None, chip_ids=None) -> pd.DataFrame:
    """The bundled Epoch AI Nvidia price ranges (default) or a user's file, validated whole."""
    path = BUNDLED_PRICES if path is None else Path(path)
    shown = "shipments/epoch_prices.csv" if path == BUNDLED_PRICES else str(path)
    return parse_prices(_read_file(path), name=shown, chip_ids=chip_ids)


# ---------------------------------------------------------------- writing and describing


def table_to_csv_text(table: pd.DataFrame) -> str:
    """A typed volumes or price table back as CSV (dates YYYY-MM-DD, blanks empty, numbers without '.0')."""
    out = table.copy()
    for column in out:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d").fillna("")
    return out.to_csv(index=False, float_format="%.15g", lineterminator="\n")


def volumes_template() -> str:
    """A volumes CSV a user can copy: the header and one example row that loads against the bundled chips."""
    example = {
        "source": "my estimate (who made it, from what)", "vintage": "2026-05-01", "owner": "ExampleCo",
        "destination": "SG", "hq": "CN", "chip_family": "H20", "chip_id": "nvidia-h20",
        "period_start": "2025-01-01", "period_end": "2025-03-31",
        "units_p5": "1000", "units_p50": "2000", "units_p95": "4000",
        "note": "one quarter; leave units_p5 and units_p95 blank together for a point estimate; h100e_* optional",
    }
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=VOLUME_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerow(example)
    return buf.getvalue()


def volume_provenance(table: pd.DataFrame) -> str:
    """Where a volumes table's figures come from: each source with the dates its estimates were made."""
    if table.empty:
        return "no shipment volumes"
    span = table.groupby("source", sort=False)["vintage"].agg(["min", "max"])
    parts = []
    for source, (first, last) in span.iterrows():
        made = first.date().isoformat() if first == last else f"{first.date().isoformat()} to {last.date().isoformat()}"
        parts.append(f"{source}, estimates generated {made}")
    return "; ".join(parts)
