"""Convert Epoch AI's ai-chip-counts files into chipsim's shipment-volume and price tables.

Epoch AI (github.com/epoch-research/ai-chip-counts, MIT) estimates how many Nvidia chips each large
owner bought per quarter, with 5th/50th/95th percentiles. Its chip types are families ("H100/H200"),
its owners are buyers ("China", "Microsoft"), its dates are M/D/YYYY and its vintage sits in a Notes
cell ("Estimates generated on: 04-15-2026 18:24"). This module turns them into the tidy tables of
`volumes.py` and validates the result there, so a converted table loads whole or not at all. Which
chipsim chip stands for each family is data, with the reason: `shipments/chip_families.csv`.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import Problem, ValidationError
from .chips import _read_file, _split_rows
from .volumes import (
    PRICE_COLUMNS,
    PRICE_FIELDS,
    SHIPMENTS,
    VOLUME_FIELDS,
    Field,
    _cell_problems,
    _Reporter,
    _typed,
    decode_table,
    known_chip_ids,
    price_problems,
    read_table,
    volume_problems,
)

CHIP_FAMILIES = SHIPMENTS / "chip_families.csv"
EPOCH_QUARTERS_FILE = "nvidia_owners_quarters_by_chip.csv"  # owners_csv_export/ in Epoch's repository
EPOCH_PRICES_FILES = ("Nvidia_annual_prices.csv", "Nvidia annual prices.csv")  # data_inputs/ in Epoch's repository
EPOCH_DATASET = "Epoch AI ai-chip-counts (MIT)"

# Epoch owner -> (destination, hq). The US hyperscalers' fleets are counted as US purchases: the rules
# evaluated are those for the US, although some of their chips sit in data centres abroad.
EPOCH_OWNERS: dict[str, tuple[str, str]] = {
    "China": ("CN", "CN"),
    "Microsoft": ("US", "US"),
    "Meta": ("US", "US"),
    "Amazon": ("US", "US"),
    "Google": ("US", "US"),
    "Oracle": ("US", "US"),
}

# Epoch's column -> the tidy column it becomes
EPOCH_QUARTER_COLUMNS: dict[str, str] = {
    "Owner": "owner",
    "Chip type": "chip_family",
    "Start date": "period_start",
    "End date": "period_end",
    "Number of Units (5th percentile)": "units_p5",
    "Number of Units": "units_p50",
    "Number of Units (95th percentile)": "units_p95",
    "H100e (5th percentile)": "h100e_p5",
    "Compute estimate in H100e (median)": "h100e_p50",
    "H100e (95th percentile)": "h100e_p95",
    "Notes": "note",
}
_TIDY_TO_EPOCH = {tidy: epoch for epoch, tidy in EPOCH_QUARTER_COLUMNS.items()}

CHIP_FAMILY_FIELDS: tuple[Field, ...] = (
    Field("chip_family", "text", True, "the source's chip type, exactly as written there"),
    Field("chip_id", "chip_id", True, "chipsim's chip_id standing for the whole family"),
    Field("why", "text", True, "why this chip stands for the family, and what that hides"),
)

# Epoch writes the vintage month first (04-15-2026), as it writes its M/D/YYYY dates
_VINTAGE = re.compile(r"Estimates generated on:\s*(\d{1,2})-(\d{1,2})-(\d{4})(?:\s+\d{1,2}:\d{2})?\.?", re.IGNORECASE)
_EPOCH_DATE = r"\d{1,2}/\d{1,2}/\d{4}"
_PRICE = r"\$?\s*(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"  # 10000, 10000.5, $10,000: a dollar figure, nothing else


def chip_families(path=None, chip_ids=None) -> pd.DataFrame:
    """The source-family -> chip_id mapping (bundled by default), validated against the chip table."""
    path = CHIP_FAMILIES if path is None else Path(path)
    shown = "shipments/chip_families.csv" if path == CHIP_FAMILIES else str(path)
    frame, lines = read_table(_read_file(path), shown, CHIP_FAMILY_FIELDS, "chip family table")
    report = _Reporter(frame, lines, shown)
    _cell_problems(frame, report, CHIP_FAMILY_FIELDS, known_chip_ids(chip_ids))
    first = pd.Series(np.arange(len(frame))).groupby(frame["chip_family"]).transform("first")
    report(frame["chip_family"].duplicated(), "chip_family",
           lambda i: f"each family once (already mapped in row {int(first.iat[i]) + 1})")
    if report.problems:
        raise ValidationError(report.problems)
    return frame


def _source_label(file_name: str, revision: str | None) -> str:
    commit = f", commit {revision[:7]}" if revision else ""
    return f"{EPOCH_DATASET}{commit}, {Path(file_name).name}"


def _unknown_family_problems(families: pd.Series, mapping: pd.DataFrame, lines, name: str, column: str) -> list[Problem]:
    known = list(mapping["chip_family"])
    return [Problem(name, f"a chip family with a chip_id in shipments/chip_families.csv (mapped: {', '.join(known)}); "
                          "add a row there saying which chip stands for it and why",
                    line=int(lines[i]), row=int(i) + 1, column=column, value=families.iat[i])
            for i in np.flatnonzero(~families.isin(known).to_numpy())]


def _epoch_frame(data: bytes | str, name: str, required: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """Epoch's CSV as stripped text cells; missing columns and ragged rows raised, naming what was expected."""
    header, rows, lines = _split_rows(decode_table(data, name, "Epoch AI file"), name)
    problems = []
    for column in required:
        if column not in header:
            close = difflib.get_close_matches(column, header, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; {name} has: {', '.join(h for h in header if h)}"
            problems.append(Problem(name, f"Epoch's column '{column}' ({EPOCH_QUARTERS_FILE} format{hint})",
                                    line=1, column=column))
    width = len(header)
    problems += [Problem(name, f"{width} fields like the header (got {len(record)})", line=line, row=i + 1)
                 for i, (record, line) in enumerate(zip(rows, lines)) if len(record) != width]
    if not rows:
        problems.append(Problem(name, "at least one row below the header", line=2))
    if problems:
        raise ValidationError(problems)
    frame = pd.DataFrame(rows, columns=header, dtype=str)
    frame = frame.loc[:, ~frame.columns.duplicated()].apply(lambda s: s.str.strip())
    return frame, np.asarray(lines)


def _epoch_dates(raw: pd.Series) -> pd.Series:
    """M/D/YYYY cells as YYYY-MM-DD text; anything else as ''."""
    shaped = raw.where(raw.str.fullmatch(_EPOCH_DATE).fillna(False).astype(bool))
    return pd.to_datetime(shaped, format="%m/%d/%Y", errors="coerce").dt.strftime("%Y-%m-%d").fillna("")


def _vintages(notes: pd.Series) -> pd.Series:
    """'Estimates generated on: 04-15-2026 18:24' -> '2026-04-15'; '' where a note does not say."""
    parts = notes.str.extract(_VINTAGE)
    text = parts[2] + "-" + parts[0].str.zfill(2) + "-" + parts[1].str.zfill(2)
    return pd.to_datetime(text, format="%Y-%m-%d", errors="coerce").dt.strftime("%Y-%m-%d").fillna("")


def convert_epoch_quarters(data: bytes | str, name: str = EPOCH_QUARTERS_FILE, *, revision: str | None = None,
                           chip_ids=None) -> pd.DataFrame:
    """Epoch's per-owner, per-chip, per-quarter increments as a typed volumes table."""
    frame, lines = _epoch_frame(data, name, list(EPOCH_QUARTER_COLUMNS))
    known = known_chip_ids(chip_ids)
    mapping = chip_families(chip_ids=known)

    def report_rows(mask, column: str, expected: str) -> list[Problem]:
        return [Problem(name, expected, line=int(lines[i]), row=int(i) + 1, column=column, value=frame[column].iat[i])
                for i in np.flatnonzero(np.asarray(mask))]

    problems = report_rows(~frame["Owner"].isin(list(EPOCH_OWNERS)), "Owner",
                           f"one of Epoch's owners ({', '.join(EPOCH_OWNERS)}); a new owner needs its destination "
                           "and headquarters in sim/data/epoch_counts.py EPOCH_OWNERS")
    problems += _unknown_family_problems(frame["Chip type"], mapping, lines, name, "Chip type")
    starts, ends = _epoch_dates(frame["Start date"]), _epoch_dates(frame["End date"])
    problems += report_rows(starts == "", "Start date", "a date as M/D/YYYY (Epoch's format, e.g. 1/1/2024)")
    problems += report_rows(ends == "", "End date", "a date as M/D/YYYY (Epoch's format, e.g. 3/31/2024)")
    vintage = _vintages(frame["Notes"])
    stated = vintage[vintage != ""].unique()
    if len(stated) == 1:  # a row that does not repeat the file's one vintage shares it
        vintage = vintage.where(vintage != "", stated[0])
    problems += report_rows(vintage == "", "Notes",
                            "'Estimates generated on: MM-DD-YYYY' (the estimates' vintage; the file states "
                            + (f"several: {', '.join(sorted(stated))})" if len(stated) else "none)"))
    if problems:
        raise ValidationError(problems)

    family_chip = dict(zip(mapping["chip_family"], mapping["chip_id"]))
    places = frame["Owner"].map(EPOCH_OWNERS)
    tidy = pd.DataFrame({tidy: frame[epoch] for epoch, tidy in EPOCH_QUARTER_COLUMNS.items()})
    tidy["source"] = _source_label(name, revision)
    tidy["vintage"] = vintage
    tidy["destination"] = places.str[0]
    tidy["hq"] = places.str[1]
    tidy["chip_id"] = frame["Chip type"].map(family_chip)
    tidy["period_start"], tidy["period_end"] = starts, ends
    tidy["note"] = _row_notes(frame)
    tidy = tidy[[f.name for f in VOLUME_FIELDS]]
    problems = volume_problems(tidy, lines, name, known)
    if problems:  # located in Epoch's file, under Epoch's column names
        raise ValidationError([dataclasses.replace(p, column=_TIDY_TO_EPOCH.get(p.column, p.column)) for p in problems])
    return _typed(tidy, VOLUME_FIELDS, name)


def _row_notes(frame: pd.DataFrame) -> pd.Series:
    """Epoch's row name (to find the row again) and what its Notes say besides the vintage."""
    label = "Epoch row '" + frame["Name"] + "'" if "Name" in frame else pd.Series("Epoch row", index=frame.index)
    rest = frame["Notes"].str.replace(_VINTAGE, "", regex=True).str.strip(" .;")
    incomplete = frame["Incomplete"] != "" if "Incomplete" in frame else pd.Series(False, index=frame.index)
    flag = np.where(incomplete & ~rest.str.contains("incomplete", case=False), "; Epoch flags this quarter incomplete", "")
    return label + np.where(rest != "", "; Epoch note: " + rest, "") + flag


def convert_epoch_prices(data: bytes | str, name: str = EPOCH_PRICES_FILES[0], *, revision: str | None = None,
                         chip_ids=None) -> pd.DataFrame:
    """Epoch's Nvidia price sheet as a typed price table: only chips and years with a numeric low and high.

    The sheet is laid out for people: Year, then per chip '<chip> low', '<chip> high', sometimes a
    Geomean (text such as "$36,742") and a Notes column, and notes in an unnamed last column. A chip's
    notes are the non-Geomean cells between its high column and the next chip's low column.
    """
    text = decode_table(data, name, "Epoch AI price sheet")
    header, rows, lines = _split_rows(text, name)
    width = max(len(header), *(len(r) for r in rows)) if rows else len(header)
    cells = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], columns=range(width), dtype=str)
    cells = cells.apply(lambda s: s.str.strip()) if len(cells) else cells
    names = header + [""] * (width - len(header))
    lows = {m.group(1): j for j, h in enumerate(names) if (m := re.fullmatch(r"(.+?)\s+low", h, re.IGNORECASE))}
    highs = {m.group(1): j for j, h in enumerate(names) if (m := re.fullmatch(r"(.+?)\s+high", h, re.IGNORECASE))}
    pairs = [(chip, lows[chip], highs[chip]) for chip in lows if chip in highs]
    year_at = next((j for j, h in enumerate(names) if h.lower() == "year"), None)
    if year_at is None or not pairs or not rows:
        raise ValidationError([Problem(name, "Epoch's price sheet: a 'Year' column and '<chip> low' / '<chip> high' "
                                             f"column pairs with rows below (header: {', '.join(h for h in header if h)})",
                                       line=1)])
    starts = sorted(j for _, j, _ in pairs)
    row_lines = np.asarray(lines)
    pieces = []
    for chip, low_at, high_at in pairs:  # a handful of chips; each is one column-wise step
        low, high = cells[low_at], cells[high_at]
        numeric = low.str.fullmatch(_PRICE).fillna(False).astype(bool) & high.str.fullmatch(_PRICE).fillna(False).astype(bool)
        until = next((j for j in starts if j > high_at), width)
        note_columns = [j for j in range(high_at + 1, until) if "geomean" not in names[j].lower()]
        notes = pd.Series("", index=cells.index)
        for j in note_columns:  # a column or two: join the non-empty cells with '; '
            notes = notes + np.where((notes != "") & (cells[j] != ""), "; ", "") + cells[j]
        piece = pd.DataFrame({
            "chip_family": chip, "year": cells[year_at],
            "price_low_usd": low.str.replace(r"[$,\s]", "", regex=True),
            "price_high_usd": high.str.replace(r"[$,\s]", "", regex=True),
            "note": np.where(notes != "", "Epoch note: " + notes, ""),
            "line": row_lines,
        })
        pieces.append(piece[numeric.to_numpy()])
    prices = pd.concat(pieces, ignore_index=True)
    if prices.empty:
        raise ValidationError([Problem(name, "at least one chip and year with a numeric low and high price", line=2)])
    known = known_chip_ids(chip_ids)
    mapping = chip_families(chip_ids=known)
    price_lines = prices["line"].to_numpy()
    problems = _unknown_family_problems(prices["chip_family"], mapping, price_lines, name, "chip_family")
    if problems:
        raise ValidationError([dataclasses.replace(p, row=None) for p in problems])
    prices["chip_id"] = prices["chip_family"].map(dict(zip(mapping["chip_family"], mapping["chip_id"])))
    prices["source"] = _source_label(name, revision)
    prices = prices.sort_values(["chip_family", "year"], kind="stable").reset_index(drop=True)
    price_lines = prices["line"].to_numpy()
    tidy = prices[[f.name for f in PRICE_FIELDS]]
    problems = price_problems(tidy, price_lines, name, known)
    if problems:  # rows of the tidy table do not match the sheet's rows: locate by line only
        raise ValidationError([dataclasses.replace(p, row=None) for p in problems])
    return _typed(tidy, PRICE_FIELDS, name)


def convert_epoch_counts(owners_quarters_csv: bytes | str, name: str = EPOCH_QUARTERS_FILE,
                         prices_csv: bytes | str | None = None, *, prices_name: str = EPOCH_PRICES_FILES[0],
                         revision: str | None = None, chip_ids=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(volumes, prices) tables from the bytes of Epoch's two files; prices is empty without a price sheet.

    `revision`: the ai-chip-counts commit the files come from, named in every row's source when given.
    Write the results with `volumes.table_to_csv_text`; they load back with `load_volumes`/`load_prices`.
    """
    known = known_chip_ids(chip_ids)  # the chip table is read once for both files
    volumes = convert_epoch_quarters(owners_quarters_csv, name, revision=revision, chip_ids=known)
    if prices_csv is None:
        return volumes, pd.DataFrame(columns=list(PRICE_COLUMNS))
    return volumes, convert_epoch_prices(prices_csv, prices_name, revision=revision, chip_ids=known)
