"""Write a result table as text, CSV, JSON or Parquet — the CLI's output contract in one place."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ChipsimError

FORMATS = ("table", "csv", "json", "parquet")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells a spreadsheet would run as a formula with an apostrophe (CSV injection)."""
    out = frame.copy()
    for name in out.columns:
        col = out[name]
        if col.dtype == object or pd.api.types.is_string_dtype(col):
            text = col.astype("string")
            risky = text.str.startswith(_FORMULA_START).fillna(False).to_numpy(dtype=bool)
            # a plain negative number is data, not a formula
            risky &= pd.to_numeric(text, errors="coerce").isna().to_numpy()
            if risky.any():
                out[name] = col.astype(object)
                out.loc[risky, name] = "'" + text[risky]
    return out


def plain_numbers(frame: pd.DataFrame, significant: int | None = None) -> pd.DataFrame:
    """Floats as a spreadsheet reads them: an unbounded end (inf) blank, never scientific notation; optionally
    rounded to `significant` digits."""
    out = frame.copy()
    kw = {"precision": significant, "unique": False, "fractional": False} if significant else {}
    for name in out.columns:
        if pd.api.types.is_float_dtype(out[name]):
            values = out[name].to_numpy(dtype=float)
            out[name] = [("" if not np.isfinite(x) else np.format_float_positional(x, trim="-", **kw)) for x in values]
    return out


def _table_text(frame: pd.DataFrame) -> str:
    shown = frame.copy()
    for name in shown.columns:
        if pd.api.types.is_float_dtype(shown[name]):
            values = shown[name]
            whole = np.isclose(values.fillna(0) % 1, 0)
            shown[name] = [
                "" if pd.isna(v) else (f"{v:,.0f}" if w and abs(v) >= 100 else f"{v:,.3g}" if abs(v) < 100 else f"{v:,.1f}")
                for v, w in zip(values, whole)
            ]
    shown = shown.fillna("")
    return shown.to_string(index=False)


def write_frame(frame: pd.DataFrame, fmt: str = "table", out: str | None = None) -> None:
    """Render frame in fmt to the file `out` or stdout; CSV/JSON are neutralised against formulas."""
    if fmt not in FORMATS:
        raise ChipsimError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if fmt == "parquet":
        if not out:
            raise ChipsimError("--format parquet needs --out FILE")
        try:
            frame.to_parquet(out, index=False)
        except (ImportError, OSError, ValueError) as exc:
            raise ChipsimError(f"cannot write parquet to {out}: {exc}") from None
        return
    if fmt == "table":
        text = _table_text(frame) + "\n"
    elif fmt == "csv":
        text = neutralise_formulas(plain_numbers(frame)).to_csv(index=False)
    else:
        text = neutralise_formulas(frame).to_json(orient="records", indent=1, force_ascii=False) + "\n"
    if out:
        try:
            Path(out).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ChipsimError(f"cannot write {out}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text)
