"""Compute flows in words: the one-sentence difference a reader asks for, and the method behind every band.

The sentences are built from the numbers and the module constants the flows engine itself uses, so the
Method text and the CLI's summary cannot drift from what was computed.
"""

from __future__ import annotations

from ..analysis import volume_draws
from ..analysis.flows import H100E_BASES, PASSED, STRADDLE_RULES, FlowRun, blocked


def _n(x: float) -> str:
    return f"{x:,.0f}"


def _window(run: FlowRun) -> str:
    start = run.parts["period_start"].min()
    end = run.parts["part_end"].max()
    return f"{str(start)[:10]} to {str(end)[:10]}"


def difference_sentence(enacted: FlowRun, other: FlowRun, owner: str, chip_names: dict | None = None) -> str:
    """'Under X, N H100e (5th-95th percentile a-b) of China's purchases ... would have needed a licence or been
    refused (medians by chip: ...)' — or, for a looser rule, how much more would have passed."""
    d = blocked(enacted, other)
    names = chip_names or {}
    who = f"{owner}'s purchases" if owner else "the purchases"
    movers = sorted(((v, k) for k, v in d["per_chip"].items() if abs(v) >= 0.005 * max(abs(d["p50"]), 1.0)),
                    key=lambda t: -abs(t[0]))
    if not movers or abs(d["p50"]) < 0.5:
        return (f"Under {other.label}, {who} {_window(enacted)} pass as they did as enacted "
                "(no H100e moves between 'needs no licence' and the other outcomes).")
    sign = 1.0 if d["p50"] >= 0 else -1.0  # the band of the quantity the sentence names, in its own direction
    lo, hi = sorted((sign * d["p5"], sign * d["p95"]))
    band = f"{_n(sign * d['p50'])} H100e (5th-95th percentile {_n(lo)}–{_n(hi)})"
    if sign > 0:
        head = f"Under {other.label}, {band} of {who} {_window(enacted)} that passed as enacted would have needed a " \
               "licence or been refused"
    else:
        head = f"Under {other.label}, {band} more of {who} {_window(enacted)} would have passed without a licence " \
               "than did as enacted"
    parts = [f"{names.get(k, k)} {'+' if v >= 0 else '−'}{_n(abs(v))}" for v, k in movers[:4]]
    return head + f" (by chip, medians, + stopped / − let through: {', '.join(parts)})."


def method_lines() -> list[str]:
    """How flows are counted, from the constants the code uses."""
    v = volume_draws
    return [
        "Volumes: each estimate's 5th/50th/95th percentiles define a two-piece lognormal (median p50, "
        f"log-spread ln(p50/p5)/{v.Z95:.3f} below and ln(p95/p50)/{v.Z95:.3f} above), so draws reproduce the "
        "source's own percentiles; totals are percentiles of summed draws, never sums of percentiles.",
        f"Correlation: {v.DEFAULT_SERIES_CORRELATION:g} between the quarters of one series (one source, owner and chip: "
        "Epoch's cumulative files equal the sums of their quarterly percentiles) and "
        f"{v.DEFAULT_CROSS_CORRELATION:g} between series (chips, owners); both are options.",
        "Periods that straddle a rule change: " + "; ".join(f"'{k}' = {t}" for k, t in STRADDLE_RULES.items())
        + " (default 'prorata'; a shipment whose outcome changes inside its period is flagged).",
        "H100-equivalents: " + "; ".join(f"'{k}' = {t}" for k, t in H100E_BASES.items()) + " (default 'tpp').",
        f"Passed without a licence = {' or '.join(PASSED)}; 'license' is its own line, and an assumed approval share "
        "turns it into expected shipped compute.",
    ]
