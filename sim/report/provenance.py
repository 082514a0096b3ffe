"""Provenance for every exported file: which scenario (and which edits), evaluated on which date,
against which chip table, by which chipsim — in the file name where it is short, in columns, a
header comment or image metadata otherwise. UI-agnostic: the app and the CLI share it.

    >>> prov = describe(scenario, as_of, chip_table=table_label(table))
    >>> prov.file_name("verdicts", "csv")       # 'chipsim_us-2023-11+3A090.a.1.tpp=2300_2025-05-01_verdicts.csv'
    >>> csv_bytes(verdict_table(v, metrics), prov)   # UTF-8 with BOM, provenance columns on every row
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ..data.chips import BUNDLED_CHIPS
from ..rules.conventions import DEFAULT_CONVENTIONS, MetricConventions
from ..rules.scenario import TRANSACTION_WORDS, period_warning
from ..version import __version__
from .output import neutralise_formulas, plain_numbers

BOM = "\ufeff"
# chip figures written beside each verdict, under names that carry their unit
CHIP_COLUMNS = {"vendor": "vendor", "name": "chip_name", "tpp": "tpp", "tpp_low": "tpp_low", "tpp_high": "tpp_high",
                "pd": "pd_tpp_per_mm2", "pd_low": "pd_low_tpp_per_mm2", "pd_high": "pd_high_tpp_per_mm2",
                "dram_bw_gbps": "dram_bw_gbps", "dram_bw_gbps_low": "dram_bw_gbps_low",
                "dram_bw_gbps_high": "dram_bw_gbps_high", "io_bw_gbps": "io_bw_gbps", "io_bw_gbps_low": "io_bw_gbps_low",
                "io_bw_gbps_high": "io_bw_gbps_high",
                # which verdicts rest on estimates: the row's own grade and sources travel with it
                "confidence": "chip_confidence", "sources": "chip_sources"}


@lru_cache(maxsize=4)
def _digest(path: str, size: int, mtime: float) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def bundled_table_label(path: Path = BUNDLED_CHIPS) -> str:
    """'chips.csv bundled with chipsim 0.1.0 (sha256 3f2a9c1b04de)': names the exact file."""
    p = Path(path)
    try:
        st = p.stat()
        digest = _digest(str(p), st.st_size, st.st_mtime)
    except OSError:
        digest = "unknown"
    return f"{p.name} bundled with chipsim {__version__} (sha256 {digest})"


def table_label(bundled_rows: int, added: list[tuple[str, list[str]]] = (), replaced: list[str] = (),
                bundled: str | None = None) -> str:
    """Describe a chip table: the bundled file, plus each upload or hypothetical chip (source, chip ids)."""
    text = f"{bundled or bundled_table_label()}, {bundled_rows} chips"
    for source, ids in added:
        shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
        text += f"; plus {len(ids)} from {source} ({shown})"
    if replaced:
        text += f"; bundled rows replaced by the user's: {', '.join(replaced)}"
    return text


def conventions_text(conv: MetricConventions = DEFAULT_CONVENTIONS) -> str:
    return f"TF32 counted at {conv.tf32_bits} bits, FP6 at {conv.fp6_bits} bits, per {conv.count_per}"


SHIPMENT_WORDS = TRANSACTION_WORDS


def transaction_text(ctx=None) -> str:
    """The transaction a verdict was evaluated for, in words: every export names it."""
    if ctx is None:
        return "export from the US; end user headquartered at the destination; 1 unit; screening: none stated"
    screening = [f"Entity List ({ctx.entity_list})"] if ctx.entity_list != "none" else []
    screening += [w for flag, w in (("military_end_use", "military end use"), ("military_intelligence",
                  "military-intelligence end use"), ("listed_affiliate", "owned 50 %+ by listed parties"))
                  if getattr(ctx, flag, False)]
    return (f"{SHIPMENT_WORDS[ctx.export]}; end user headquartered "
            + (f"in {ctx.hq}" if ctx.hq else "at the destination") + f"; {ctx.quantity:g} unit{'s' if ctx.quantity != 1 else ''}"
            + "; screening: " + (", ".join(screening) if screening else "nobody listed, no military end use (assumed)"))


def transaction_tag(ctx=None) -> str:
    """The transaction's departures from the defaults, short enough for a file name ('' when none)."""
    if ctx is None:
        return ""
    parts = ([f"hq-{ctx.hq}"] if ctx.hq else []) + ([ctx.export] if ctx.export != "us" else []) \
        + ([f"qty-{ctx.quantity:g}"] if ctx.quantity != 1 else []) \
        + ([f"el-{ctx.entity_list}"] if ctx.entity_list != "none" else []) \
        + [tag for flag, tag in (("military_end_use", "meu"), ("military_intelligence", "mieu"),
                                 ("listed_affiliate", "affiliate")) if getattr(ctx, flag, False)]
    return "+".join(parts)


@dataclass(frozen=True)
class Provenance:
    scenario: str
    title: str
    as_of: dt.date
    edits: tuple[tuple[str, float, float], ...] = ()  # (parameter, value used, preset value)
    dates: frozenset = frozenset()  # edited parameters whose values are days (written as YYYY-MM-DD)
    phase: str = ""
    chip_table: str = field(default_factory=bundled_table_label)
    conventions: str = conventions_text()
    version: str = __version__
    uploaded: bool = False  # the chip table holds rows the user added
    transaction: str = transaction_text()
    transaction_tag: str = ""
    warning: str = ""  # the preset is evaluated outside its period: every figure and file says so

    @property
    def edited(self) -> bool:
        return bool(self.edits)

    def edits_text(self) -> str:
        if not self.edits:
            return "none"
        return "; ".join(f"{n}={self.value_text(n, v)} (preset {self.value_text(n, p)})" for n, v, p in self.edits)

    def value_text(self, name: str, value: float) -> str:
        return dt.date.fromordinal(int(value)).isoformat() if name in self.dates else f"{value:g}"

    def scenario_text(self) -> str:
        return f"{self.scenario}" + (" (edited)" if self.edited else "") + (f", phase: {self.phase}" if self.phase else "")

    def lines(self) -> list[str]:
        """Human-readable header lines (no comment marker)."""
        return [
            f"chipsim {self.version}: {self.scenario_text()} — {self.title}",
            f"evaluated as of {self.as_of.isoformat()}; parameter edits: {self.edits_text()}",
            f"transaction: {self.transaction}",
            f"chip table: {self.chip_table}",
            f"metric conventions: {self.conventions}. Not legal advice.",
        ] + ([f"WARNING: {self.warning}"] if self.warning else [])

    def columns(self) -> dict[str, str]:
        """Provenance columns repeated on every row of a CSV (survive any spreadsheet or filter)."""
        return {"scenario_edits": self.edits_text(), "transaction": self.transaction, "phase": self.phase,
                "chip_table": self.chip_table,
                "conventions": self.conventions, "chipsim_version": self.version}

    def file_name(self, kind: str, ext: str, detail: str = "") -> str:
        """chipsim_<scenario>[+edits]_<date>_<kind>[_<detail>][_own-chips].<ext>, safe on every OS."""
        if not self.edits:
            edits = ""
        elif len(self.edits) <= 2:
            edits = "+" + "+".join(f"{n}={self.value_text(n, v)}" for n, v, _ in self.edits)
        else:
            h = hashlib.sha256(self.edits_text().encode()).hexdigest()[:6]
            edits = f"+{len(self.edits)}-edits-{h}"
        parts = [f"chipsim_{self.scenario}{edits}", self.as_of.isoformat()] + \
            ([self.transaction_tag] if self.transaction_tag else []) + [kind] + ([detail] if detail else []) + \
            (["own-chips"] if self.uploaded else [])
        stem = re.sub(r"[^A-Za-z0-9._=+-]+", "-", "_".join(parts))
        return f"{stem}.{ext.lstrip('.')}"


def describe(scenario, as_of, *, chip_table: str | None = None, phase: str = "", uploaded: bool = False,
             conv: MetricConventions = DEFAULT_CONVENTIONS, ctx=None) -> Provenance:
    """Provenance of an evaluation of `scenario` (a sim.rules.scenario.Scenario, edited or not) on `as_of`."""
    day = scenario.as_of(as_of)
    edits = tuple((n, float(p.value), float(p.preset_value)) for n, p in scenario.parameters.items() if p.edited)
    dates = frozenset(n for n, p in scenario.parameters.items() if p.is_date)
    return Provenance(scenario=scenario.id, title=scenario.title, as_of=day, edits=edits, dates=dates, phase=phase,
                      chip_table=chip_table or bundled_table_label(), conventions=conventions_text(conv),
                      uploaded=uploaded, transaction=transaction_text(ctx), transaction_tag=transaction_tag(ctx),
                      warning=period_warning(scenario, day) or "")


def verdict_table(verdicts: pd.DataFrame, chips: pd.DataFrame) -> pd.DataFrame:
    """Verdict rows with the chip's vendor, name, TPP, PD and bandwidths beside each chip_id.

    `chips` is a table with metrics (sim.with_metrics); its extra columns (pd_low/pd_high when the
    engine gives ranges) are carried when present.
    """
    keep = [c for c in CHIP_COLUMNS if c in chips.columns]
    figures = chips.drop_duplicates("chip_id").set_index("chip_id")[keep].rename(columns=CHIP_COLUMNS)
    out = verdicts.drop(columns=[c for c in figures.columns if c in verdicts.columns])
    out = out.join(figures, on="chip_id")
    first = ["chip_id"] + list(figures.columns)
    return out[first + [c for c in out.columns if c not in first]]


def csv_bytes(frame: pd.DataFrame, prov: Provenance) -> bytes:
    """CSV in UTF-8 with a byte-order mark (Excel reads 'Åland' and '§'), formulas neutralised,
    provenance columns on every row."""
    out = frame.copy()
    for name, value in prov.columns().items():
        out[name] = value
    if "scenario" not in out:
        out["scenario"] = prov.scenario
    if "as_of" not in out:
        out["as_of"] = prov.as_of.isoformat()
    text = neutralise_formulas(plain_numbers(out, significant=6)).to_csv(index=False)
    return (BOM + text).encode("utf-8")


def toml_header(prov: Provenance) -> str:
    return "".join(f"# {line}\n" for line in prov.lines())


def figure_bytes(fig, prov: Provenance, fmt: str = "png") -> bytes:
    """A matplotlib figure as PNG or SVG with the provenance printed under it and in its metadata."""
    text = "\n".join(prov.lines())
    fig.text(0.01, -0.01, text, fontsize=6, color="#444", ha="left", va="top", transform=fig.transFigure)
    meta = {"Title": prov.scenario_text() + (f" [{prov.transaction_tag}]" if prov.transaction_tag else ""),
            "Description": text}
    if fmt == "png":
        meta["Software"] = f"chipsim {prov.version}"
    else:
        meta["Creator"] = f"chipsim {prov.version}"
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=150, bbox_inches="tight", metadata=meta)
    try:
        import matplotlib.pyplot as plt

        plt.close(fig)
    except ImportError:  # pragma: no cover
        pass
    return buf.getvalue()
