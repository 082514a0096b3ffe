"""Monte Carlo over uncertain figures: parameters and chip figures drawn from ranges, with a seed.

"Is the B30A controlled for every plausible spec?" has no single answer when the spec is rumoured;
drawing its figures (and, if wanted, the thresholds) from ranges gives, per chip and destination,
the probability of each outcome. Ranges of zero width reproduce the deterministic answer exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .chips import load_chips
from .conventions import DEFAULT_CONVENTIONS, MetricConventions
from .engine import INDET_SEVERITY, Context, chip_facts, compile_scenario, default_params, destination_facts, evaluate_points
from .errors import ChipsimError, unknown_name
from .metrics import compute_metrics
from .schema import NUMERIC_COLUMNS
from .scenario import Scenario, load_scenario
from .sweep import OUTCOME_ORDER
from . import destinations as dest_mod

CHUNK = 2_000_000


def monte_carlo(scenario, *, n: int = 1000, seed: int = 0, param_ranges: dict | None = None,
                chip_ranges: dict | None = None, chips=None, destinations=None, as_of=None, ctx: Context = Context(),
                conv: MetricConventions = DEFAULT_CONVENTIONS, table=None) -> pd.DataFrame:
    """Per chip x destination, the probability of each outcome over `n` seeded uniform draws.

    param_ranges: {parameter: (low, high)}; chip_ranges: {chip_id: {column: (low, high)}} for any
    numeric chip column (throughput, die area, bandwidth...).
    """
    from .api import select_chips

    if not (isinstance(n, int) and 1 <= n <= 1_000_000):
        raise ChipsimError("n must be a whole number of draws between 1 and 1,000,000")
    s = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    table = select_chips(load_chips() if table is None else table, chips)
    codes = dest_mod.resolve_destinations(destinations)
    rng = np.random.default_rng(seed)
    params = default_params(s)
    for name, (lo, hi) in (param_ranges or {}).items():
        if name not in s.parameters:
            raise unknown_name("parameter in a Monte Carlo range", name, s.parameters)
        if not lo <= hi:
            raise ChipsimError(f"range for {name}: low {lo} is above high {hi}")
        params[name] = rng.uniform(lo, hi, n)[:, None, None]
    ids = list(table["chip_id"])
    draws = {}
    for cid, cols in (chip_ranges or {}).items():
        if cid not in ids:
            raise unknown_name("chip in a Monte Carlo range", cid, ids)
        for col, (lo, hi) in cols.items():
            if col not in NUMERIC_COLUMNS:
                raise unknown_name("numeric chip column", col, NUMERIC_COLUMNS)
            if not 0 <= lo <= hi:
                raise ChipsimError(f"range for {cid}.{col}: need 0 <= low <= high")
            draws[(ids.index(cid), col)] = rng.uniform(lo, hi, n)
    comp = compile_scenario(s, as_of)
    dest_facts = destination_facts(comp, codes, ctx)
    m, flags = chip_facts(compute_metrics(table, conv), table, ctx)
    if draws:
        big = pd.concat([table] * n, ignore_index=True)
        for (i, col), values in draws.items():
            big.loc[np.arange(n) * len(table) + i, col] = values
        mm, _ = chip_facts(compute_metrics(big, conv), big, ctx)
        m = {k: v.reshape(n, len(table), 1) for k, v in mm.items()}
    sev_to_idx = np.where(comp.severity == INDET_SEVERITY, 4, comp.severity).astype(np.int8)
    totals = np.zeros((len(table), dest_facts[3], 5), dtype=np.int64)
    step = max(1, CHUNK // max(len(table) * dest_facts[3], 1))
    for start in range(0, n, step):
        sl = slice(start, start + step)
        p_chunk = {k: v[sl] if v.shape[0] > 1 else v for k, v in params.items()}
        m_chunk = {k: v[sl] if v.shape[0] > 1 else v for k, v in m.items()}
        _, final, _ = evaluate_points(comp, m_chunk, flags, dest_facts, ctx, p_chunk)
        idx = sev_to_idx[final]
        for k in range(5):
            totals[..., k] += (idx == k).sum(axis=0)
    probs = totals[:, dest_facts[0], :] / n  # (N, M, 5)
    out = pd.DataFrame({"chip_id": np.repeat(ids, len(codes)), "destination": np.tile(codes, len(ids))})
    for k, word in enumerate(OUTCOME_ORDER):
        out[f"p_{word}"] = probs[:, :, k].reshape(-1)
    out.attrs.update(n=n, seed=seed, scenario=s.id)
    return out
