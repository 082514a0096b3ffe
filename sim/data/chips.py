"""Load and validate a chip table, reporting every problem at once.

A compliance officer fixing a spreadsheet wants the whole list of what is wrong (row, column,
value, what was expected), not one traceback per attempt. Nothing here changes a user's figures:
cells are parsed, never corrected.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import Problem, ValidationError
from .schema import (
    COLUMN_BY_NAME,
    COLUMNS,
    ECCN_PATTERN,
    FALSE_WORDS,
    REQUIRED_COLUMNS,
    THROUGHPUT_BITS,
    THROUGHPUT_COLUMNS,
    TRUE_WORDS,
    meets_3a090,
)

BUNDLED_CHIPS = Path(__file__).resolve().parents[2] / "chips.csv"  # at the top of the checkout, where users edit it
MAX_TABLE_BYTES = 10_000_000  # a chip table is kilobytes; refuse what cannot be one
MAX_ROWS = 20_000
# Figures no chip can have: refused as typing or unit mistakes (e.g. GFLOPS for TFLOPS), with the range.
MAX_DIE_AREA_MM2 = 46_225.0  # a full reticle-stitched wafer-scale die, 215 mm x 215 mm (Cerebras WSE-3)
MAX_TPP = 1e8  # 3A090 caught chips from TPP 4,800; the largest single package today is ~10^5
_WIDEST_BITS = {"tf32_tflops": 32, "fp6_tflops": 8}  # the widest bit length a convention may give these

_SLUG = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# A figure with an asterisk, "sparse" or "(s)" is a vendor's with-sparsity figure: the regulation
# counts dense figures only (3A090 Technical Note 3), so such a cell is refused, never halved here.
_SPARSE_MARK = re.compile(r"\*|spars|\(s\)|\bw/\s*s", re.IGNORECASE)
# What pandas writes when a typed table is saved with DataFrame.to_csv instead of chipsim's writer
# (to_csv_text): Python's True/False, and whole numbers of a float column as 5.0. Such a table loads,
# but it is not one anybody typed, so its cells are reported (the row is not silently re-read).
_PYTHON_BOOLS = frozenset({"True", "False"})
_WRITTEN_AS_FLOAT = re.compile(r"[.eE]")


def _too_big(name: str, size: int) -> ValidationError:
    return ValidationError([Problem(name, f"a chip table under {MAX_TABLE_BYTES // 1_000_000} MB (got {size:,} bytes)")])


def _decode(data: bytes | str, name: str) -> str:
    """Bytes to text; an oversized or non-UTF-8 input is a Problem, not a crash."""
    if len(data) > MAX_TABLE_BYTES:
        raise _too_big(name, len(data))
    if isinstance(data, str):
        return data
    try:
        return bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValidationError([Problem(name, "UTF-8 text", line=line, value=repr(data[exc.start:exc.start + 4]))]) from None


def _read_file(path) -> bytes:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_TABLE_BYTES:  # refuse before reading it into memory
            raise _too_big(str(path), size)
        return path.read_bytes()
    except OSError as exc:
        raise ValidationError([Problem(str(path), f"a readable file ({exc.strerror or exc})")]) from None


def _split_rows(text: str, name: str) -> tuple[list[str], list[list[str]], list[int]]:
    """Parse CSV text into header, rows and each row's starting line; structural problems raised."""
    text = text.lstrip("\ufeff")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ValidationError([Problem(name, "CSV text without NUL bytes", line=line)])
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        header = None
        start = 1
        for record in reader:
            if header is None:
                header = record
            elif record and any(cell.strip() for cell in record):
                rows.append(record)
                lines.append(start)
            start = reader.line_num + 1
            if len(rows) > MAX_ROWS:
                raise ValidationError([Problem(name, f"at most {MAX_ROWS:,} rows", line=start)])
    except csv.Error as exc:
        raise ValidationError([Problem(name, f"well-formed CSV ({exc})", line=reader.line_num)]) from None
    if not header or not any(h.strip() for h in header):
        raise ValidationError([Problem(name, "a header row naming the columns", line=1)])
    return [h.strip() for h in header], rows, lines


def _header_problems(header: list[str], name: str) -> list[Problem]:
    problems = []
    seen = set()
    for h in header:
        if h in seen:
            problems.append(Problem(name, "each column named once", line=1, column=h))
        seen.add(h)
        if h not in COLUMN_BY_NAME:
            close = difflib.get_close_matches(h, list(COLUMN_BY_NAME), n=1)
            hint = f"a known column (did you mean '{close[0]}'?)" if close else "a known column (see `chipsim schema`)"
            problems.append(Problem(name, hint, line=1, column=h))
    for required in REQUIRED_COLUMNS:
        if required not in seen:
            problems.append(Problem(name, "this required column in the header", line=1, column=required))
    return problems


def upper_limit(column: str) -> tuple[float, str] | None:
    """(largest accepted value, why) for a numeric column, or None if only >= 0 is required.

    Range columns (NAME_low, NAME_high) take their base column's limit.
    """
    base = column[: -len("_low")] if column.endswith("_low") else column[: -len("_high")] if column.endswith("_high") else column
    if base in THROUGHPUT_COLUMNS:
        bits = THROUGHPUT_BITS[base] or _WIDEST_BITS[base]
        return MAX_TPP / bits, f"TPP = {COLUMN_BY_NAME[base].unit} x {bits} bits may not exceed {MAX_TPP:,.0f}"
    if base == "die_area_mm2":
        return MAX_DIE_AREA_MM2, "a full reticle-stitched wafer"
    return None


def _accepted(col) -> str:
    """The accepted range in words: 'from 0 to 46,225 mm² (a full reticle-stitched wafer)' or '>= 0 W'."""
    limit = upper_limit(col.name)
    unit = f" {col.unit}" if col.unit else ""
    if limit is None:
        return f">= 0{unit}"
    return f"from 0 to {limit[0]:,.10g}{unit} ({limit[1]})"


def _cell_problems(frame: pd.DataFrame, lines: np.ndarray, name: str) -> list[Problem]:
    """Check every cell against its column's kind; vectorised per column."""
    problems: list[Problem] = []

    def report(mask, column, expected):
        for i in np.flatnonzero(np.asarray(mask)):
            problems.append(Problem(name, expected, line=int(lines[i]), row=int(i) + 1, column=column,
                                    value=frame[column].iat[i]))

    for col in COLUMNS:
        if col.name not in frame:
            continue
        raw = frame[col.name]
        empty = raw == ""
        if col.nonempty:
            report(empty, col.name, "a value (this column may not be empty)")
        present = ~empty
        if col.kind in ("number", "count"):
            sparse = present & raw.str.contains(_SPARSE_MARK)
            report(sparse, col.name, "a dense figure: halve the vendor's sparse figure and name the column in sparsity_halved")
            values = pd.to_numeric(raw.where(present & ~sparse), errors="coerce")
            # "nan", "inf", "1e400" parse (to NaN or infinity) but are no figure; each cell gets one problem
            written_nan = raw.str.strip().str.lower().isin({"nan", "+nan", "-nan"})
            bad = present & ~sparse & values.isna() & ~written_nan
            report(bad, col.name, f"a number{' in ' + col.unit if col.unit else ''}, without units or commas")
            nonfinite = present & ~sparse & (written_nan | (values.notna() & ~np.isfinite(values.fillna(0))))
            report(nonfinite, col.name, "a whole number >= 1" if col.kind == "count" else f"a finite number {_accepted(col)}")
            ok = values.notna() & ~nonfinite
            limit = upper_limit(col.name)
            if col.kind == "count":
                whole = ok & (values % 1 == 0) & (values >= 1)
                report(ok & ~whole, col.name, "a whole number >= 1")
                report(whole & raw.str.contains(_WRITTEN_AS_FLOAT), col.name,
                       "a whole number written without a decimal point (5, not 5.0, which is how pandas writes "
                       "a float column; write the integer or save the table with chipsim's writer)")
            elif limit is None:
                report(ok & (values < 0), col.name, f"a number {_accepted(col)}")
            else:
                report(ok & (values < 0), col.name, f"a number >= 0 (accepted: {_accepted(col)})")
                report(ok & (values > limit[0]), col.name, f"a number {_accepted(col)}")
        elif col.kind == "bool":
            python_style = raw.isin(_PYTHON_BOOLS)
            report(present & ~python_style & ~raw.str.lower().isin(TRUE_WORDS | FALSE_WORDS), col.name, "true or false")
            report(python_style, col.name,
                   "lower-case true or false (Python-style True/False is what pandas writes when a table is "
                   "saved with DataFrame.to_csv; write true/false or save it with chipsim's writer)")
        elif col.kind == "eccn":
            shape = raw.str.match(ECCN_PATTERN)
            report(present & ~shape, col.name,
                   "an ECCN as the Commerce Control List writes it: category digit, group letter A-E, three "
                   "digits, lower-case paragraphs after dots (3A090.a, 5A992.c, 4A994.l), or EAR99")
            if col.below_3a090:
                above = np.array([bool(ok) and meets_3a090(v) for ok, v in zip(present & shape, raw)], dtype=bool)
                report(above, col.name,
                       "an ECCN below 3A090 (EAR99, 3A991, 4A994, 5A992.c ...): 3A090, 4A090 and .z paragraphs "
                       "mean the item meets 3A090 (record a manufacturer's 3A090 classification in vendor_eccn)")
        elif col.kind == "choice":
            report(present & ~raw.str.lower().isin(col.choices), col.name, "one of " + ", ".join(col.choices))
        elif col.kind == "slug":
            report(present & ~raw.str.match(_SLUG), col.name, "lowercase letters, digits, '.' and '-'")
            dup = present & raw.duplicated(keep="first")
            for i in np.flatnonzero(dup.to_numpy()):
                first = int(np.flatnonzero((raw == raw.iat[i]).to_numpy())[0]) + 1
                problems.append(Problem(name, f"a unique chip_id (already used in row {first})", line=int(lines[i]),
                                        row=int(i) + 1, column=col.name, value=raw.iat[i]))
        elif col.kind == "month":
            parts = raw.str.extract(_MONTH)
            year = pd.to_numeric(parts[0], errors="coerce")
            month = pd.to_numeric(parts[1], errors="coerce")
            ok = year.between(1950, 2100) & month.between(1, 12)
            report(present & ~ok, col.name, "a real month as YYYY-MM (e.g. 2023-11)")
        elif col.kind == "day":
            report(present & np.isnan(day_ordinals(raw.where(present, ""))), col.name,
                   "a real date as YYYY-MM-DD, a month as YYYY-MM, or 'no' (not as of the source's date)")
        elif col.kind == "columns":
            tokens = raw.str.split(";")
            bad = [i for i, toks in enumerate(tokens)
                   if raw.iat[i] and any(t.strip() not in THROUGHPUT_COLUMNS for t in toks)]
            report(np.isin(np.arange(len(raw)), bad), col.name,
                   "throughput column names separated by ';' (" + ", ".join(THROUGHPUT_COLUMNS) + ")")
        if col.source_column:
            source = frame[col.source_column] if col.source_column in frame else pd.Series("", index=frame.index)
            for i in np.flatnonzero((present & (source == "")).to_numpy()):
                problems.append(Problem(name, f"where {col.name} {raw.iat[i]!r} is published (URL or document, "
                                        "and the date it was read): a dated or classified fact without its source "
                                        "cannot go into a compliance file", line=int(lines[i]), row=int(i) + 1,
                                        column=col.source_column, value=source.iat[i]))
    return problems


_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def day_ordinals(raw: pd.Series) -> np.ndarray:
    """Dated cells as proleptic ordinals (datetime.date.toordinal), the form rules compare.

    YYYY-MM-DD is that day; YYYY-MM is the month's last day (the first day the fact surely holds);
    'no' (never, as of the source) is +inf; an empty cell is NaN (unknown) and so is anything malformed.
    """
    text = raw.fillna("").astype(str).str.strip()
    out = np.full(len(text), np.nan)
    out[(text.str.lower() == "no").to_numpy()] = np.inf
    days = pd.to_datetime(text.where(text.str.match(r"^\d{4}-\d{2}-\d{2}$"), None), format="%Y-%m-%d", errors="coerce")
    months = pd.to_datetime(text.where(text.str.match(_MONTH), None), format="%Y-%m", errors="coerce")
    months = months + pd.offsets.MonthEnd(0)
    for stamp in (days, months):  # days since 1970-01-01, shifted to the proleptic ordinal: no per-row Python
        ok = stamp.notna().to_numpy()
        out[ok] = stamp[ok].to_numpy(dtype="datetime64[D]").astype(np.int64) + _EPOCH_ORDINAL
    return out


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Convert validated text cells to numbers and booleans; empty cells become missing, never zero."""
    out = pd.DataFrame(index=frame.index)
    for col in COLUMNS:
        raw = frame[col.name] if col.name in frame else pd.Series("", index=frame.index)
        if col.kind in ("number", "count"):
            out[col.name] = pd.to_numeric(raw.replace("", np.nan), errors="coerce").astype(float)
        elif col.kind == "bool":
            low = raw.str.lower()
            out[col.name] = pd.array(np.where(low.isin(TRUE_WORDS), True, np.where(low.isin(FALSE_WORDS), False, None)),
                                     dtype="boolean")
        elif col.kind == "choice":
            out[col.name] = raw.str.lower()
        else:
            out[col.name] = raw
    out["units_per_package"] = out["units_per_package"].fillna(1.0)
    out["item_type"] = out["item_type"].replace("", "processor")
    return out


def parse_chips(data: bytes | str, name: str = "<upload>") -> pd.DataFrame:
    """Parse a chip table from CSV bytes or text; raise ValidationError listing every problem."""
    shown = name
    text = _decode(data, shown)
    header, rows, lines = _split_rows(text, shown)
    problems = _header_problems(header, shown)
    width = len(header)
    for i, (record, line) in enumerate(zip(rows, lines)):
        if len(record) != width:
            problems.append(Problem(shown, f"{width} fields like the header (got {len(record)})", line=line, row=i + 1))
    if not rows:
        problems.append(Problem(shown, f"at least one chip row below the header (no chips in {shown})", line=2))
    if problems:
        raise ValidationError(problems)
    frame = pd.DataFrame(rows, columns=header, dtype=str).apply(lambda s: s.str.strip())
    problems = _cell_problems(frame, np.asarray(lines), shown)
    if problems:
        raise ValidationError(problems)
    table = _typed(frame)
    table.index = pd.RangeIndex(len(table))
    table.attrs["source"] = shown
    return table


def load_chips(path=None) -> pd.DataFrame:
    """The bundled table (default) or a user's file, validated."""
    path = BUNDLED_CHIPS if path is None else Path(path)
    return parse_chips(_read_file(path), name=str(path) if path != BUNDLED_CHIPS else "chips.csv")


def validate_file(path) -> list[Problem]:
    """Every problem in a chip file (empty list when clean), for `chipsim validate`."""
    try:
        load_chips(path)
    except ValidationError as exc:
        return exc.problems
    return []


def to_csv_text(table: pd.DataFrame) -> str:
    """Write a typed table back in chipsim's own format (booleans as true/false, empty as empty)."""
    out = table[[c.name for c in COLUMNS]].copy()
    for name in out:
        if str(out[name].dtype) == "boolean":
            out[name] = out[name].map({True: "true", False: "false"}).astype(object).where(out[name].notna(), "")
    return out.to_csv(index=False, float_format="%.15g")
