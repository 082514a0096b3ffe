"""Publication-quality matplotlib figures of the threshold planes, drawn from a scenario's *current* parameters.

Engine-side (no Streamlit) so the CLI, notebooks and the app draw the same figure; edited parameters
move the regions because the regions are read from the scenario, never from constants.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

OUTCOME_COLORS = {"allowed": "#2e7d32", "exception": "#1e88e5", "license": "#f9a825", "denied": "#c62828",
                  "indeterminate": "#9e9e9e"}


def _value(scenario, name):
    p = scenario.parameters.get(name)
    return None if p is None else p.value


def _scatter(ax, table: pd.DataFrame, x: str, y: str, outcome: pd.Series | None, label_ids=()):
    ok = table[x].notna() & table[y].notna()
    colors = [OUTCOME_COLORS.get(outcome.get(cid), "#555") if outcome is not None else "#333" for cid in table["chip_id"]]
    ax.scatter(table.loc[ok, x], table.loc[ok, y], c=np.array(colors, dtype=object)[ok.to_numpy()], s=28,
               edgecolor="black", linewidth=0.4, zorder=3)
    for _, row in table[ok].iterrows():
        if not label_ids or row["chip_id"] in label_ids:
            ax.annotate(row["name"].split(" (")[0][:18], (row[x], row[y]), fontsize=6.5, xytext=(3, 2),
                        textcoords="offset points", zorder=4)


def tpp_pd_figure(scenario, table: pd.DataFrame, outcome: pd.Series | None = None, zoom: bool = False):
    """Chips on TPP x performance density with the 3A090.a/.b regions of the scenario's parameters."""
    fig, ax = plt.subplots(figsize=(8, 5.2), dpi=110)
    a1, a2t, a2p = (_value(scenario, n) for n in ("3A090.a.1.tpp", "3A090.a.2.tpp", "3A090.a.2.pd"))
    b1t, b1p, b2t, b2p = (_value(scenario, n) for n in ("3A090.b.1.tpp", "3A090.b.1.pd", "3A090.b.2.tpp", "3A090.b.2.pd"))
    xmax, ymax = 1e5, 40
    if None not in (a1, a2t, a2p, b1t, b1p, b2t, b2p):
        ax.axvspan(a1, xmax, color="#c62828", alpha=0.10, label=f"3A090.a.1: TPP ≥ {a1:,.0f}")
        ax.fill_between([a2t, a1], a2p, ymax, color="#c62828", alpha=0.18, label=f"3A090.a.2: TPP ≥ {a2t:,.0f}, PD ≥ {a2p:g}")
        ax.fill_between([b1t, a1], b1p, a2p, color="#f9a825", alpha=0.20, label=f"3A090.b.1: {b1t:,.0f} ≤ TPP < {a1:,.0f}, {b1p:g} ≤ PD < {a2p:g}")
        ax.fill_between([b2t, xmax], b2p, a2p, color="#fb8c00", alpha=0.20, label=f"3A090.b.2: TPP ≥ {b2t:,.0f}, {b2p:g} ≤ PD < {a2p:g}")
    elif _value(scenario, "3A090.2022.tpp") is not None:
        t = _value(scenario, "3A090.2022.tpp")
        ax.axvline(t, color="#c62828", ls="--", label=f"2022: TOPS×bits ≥ {t:,.0f} (and I/O ≥ {_value(scenario, '3A090.2022.io'):g} GB/s)")
    _scatter(ax, table, "tpp", "pd", outcome)
    ax.set_xscale("log")
    ax.set_xlim((1000, 8000) if zoom else (300, xmax))
    ax.set_ylim((0, 12) if zoom else (0, ymax))
    ax.set_xlabel("Total processing performance (TPP, log scale)")
    ax.set_ylabel("Performance density (TPP / mm²)")
    ax.set_title(f"TPP × performance density — {scenario.id}" + (" (edited)" if scenario.edits else ""), fontsize=10)
    ax.legend(fontsize=7, loc="upper left")
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    return fig


def tpp_dram_figure(scenario, table: pd.DataFrame, outcome: pd.Series | None = None):
    """Chips on TPP x DRAM bandwidth with the January 2026 case-by-case box and the Sec. 232 duty bands."""
    fig, ax = plt.subplots(figsize=(8, 5.2), dpi=110)
    rt, rd = _value(scenario, "RLP.tpp"), _value(scenario, "RLP.dram")
    if rt is not None and rd is not None:
        ax.add_patch(plt.Rectangle((0, 0), rt, rd, color="#f9a825", alpha=0.15,
                                   label=f"Jan 2026 case-by-case: TPP < {rt:,.0f}, DRAM < {rd:,.0f} GB/s"))
    for band, color in (("band1", "#6a1b9a"), ("band2", "#ad1457")):
        vals = [_value(scenario, f"232.{band}.{k}") for k in ("tpp_min", "tpp_max", "dram_min", "dram_max")]
        if None not in vals:
            ax.add_patch(plt.Rectangle((vals[0], vals[2]), vals[1] - vals[0], vals[3] - vals[2], fill=False,
                                       edgecolor=color, lw=1.5, label=f"Sec. 232 duty {band}"))
    h20 = _value(scenario, "H20.dram")
    if h20 is not None:
        ax.axhline(h20, color="#c62828", ls=":", lw=1, label=f"H20 trigger: DRAM ≥ {h20:,.0f} GB/s")
    _scatter(ax, table, "tpp", "dram_bw_gbps", outcome)
    ax.set_xlim(0, 65000)
    ax.set_ylim(0, 9000)
    ax.set_xlabel("Total processing performance (TPP)")
    ax.set_ylabel("DRAM bandwidth (GB/s)")
    ax.set_title(f"TPP × DRAM bandwidth — {scenario.id}" + (" (edited)" if scenario.edits else ""), fontsize=10)
    ax.legend(fontsize=7, loc="upper right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def png_bytes(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150)
    plt.close(fig)
    return buf.getvalue()


def _topo_polygons(topo: dict, object_name: str = "countries"):
    """(feature id, list of rings as Nx2 arrays) from a quantized TopoJSON topology."""
    scale = np.array(topo["transform"]["scale"], dtype=float)
    shift = np.array(topo["transform"]["translate"], dtype=float)
    arcs = [np.cumsum(np.array(a, dtype=float), axis=0) * scale + shift for a in topo["arcs"]]

    def ring(indices):
        pts = [arcs[i] if i >= 0 else arcs[~i][::-1] for i in indices]
        return np.concatenate(pts) if pts else np.empty((0, 2))

    for geom in topo["objects"][object_name]["geometries"]:
        if geom.get("type") == "Polygon":
            yield geom.get("id"), [ring(r) for r in geom["arcs"]]
        elif geom.get("type") == "MultiPolygon":
            yield geom.get("id"), [ring(r) for poly in geom["arcs"] for r in poly]


def world_map_figure(topo: dict, outcome_by_numeric: dict, title: str, small=None):
    """A world map (plate carrée) with each country coloured by its outcome, for PNG export; `small` (a frame
    of lon, lat, outcome) draws the destinations too small for the 1:110m map as dots, as the app does."""
    from matplotlib.patches import Patch, Polygon

    fig, ax = plt.subplots(figsize=(10, 5.2), dpi=110)
    for fid, rings in _topo_polygons(topo):
        color = OUTCOME_COLORS.get(outcome_by_numeric.get(fid), "#e0e0e0")
        for r in rings:
            if len(r) < 3:
                continue
            # rings crossing the antimeridian: unwrap longitudes, then draw again one world-width over
            jumps = np.diff(r[:, 0])
            offset = np.concatenate([[0.0], np.cumsum(-360.0 * np.round(jumps / 360.0))])
            x = r[:, 0] + offset
            for shift in {0.0, -360.0 if x.max() > 180 else 0.0, 360.0 if x.min() < -180 else 0.0}:
                ax.add_patch(Polygon(np.column_stack([x + shift, r[:, 1]]), closed=True, facecolor=color,
                                     edgecolor="white", linewidth=0.2))
    if small is not None and len(small):
        ax.scatter(small["lon"], small["lat"], s=14, c=[OUTCOME_COLORS.get(o, "#e0e0e0") for o in small["outcome"]],
                   edgecolors="white", linewidths=0.5, zorder=3)
    ax.set_xlim(-180, 180)
    ax.set_ylim(-60, 85)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.legend(handles=[Patch(color=c, label=o) for o, c in OUTCOME_COLORS.items()], loc="lower left", fontsize=7, ncol=5)
    ax.set_title(title, fontsize=10)
    ax.text(180, -60, "Natural Earth 1:110m (public domain), world-atlas", fontsize=6, ha="right", va="bottom", color="#777")
    fig.tight_layout()
    return fig


def sweep_figure(prep, name: str, values, destination: str):
    """Outcome counts along one swept threshold (top) and every chip's outcome along it (bottom),
    each chip's flip point marked; chips whose outcome never changes on this axis say so."""
    from matplotlib.colors import ListedColormap

    from ..analysis.sweep import OUTCOME_ORDER, flip_points, outcome_index

    values = np.sort(np.asarray(values, dtype=float))
    d = prep.codes.index(destination)
    codes = outcome_index(prep, {name: values})[:, :, prep.inverse[d]]  # (V, N)
    flips = flip_points(prep, name, float(values[0]), float(values[-1]), destination)
    first_flip = flips.groupby("chip_id")["flip_at"].min()
    order = sorted(range(len(prep.chip_ids)), key=lambda i: (first_flip.get(prep.chip_ids[i], np.inf),
                                                             -codes[0, i], prep.chip_ids[i]))
    p = prep.scenario.parameters[name]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 11), dpi=110, gridspec_kw={"height_ratios": [1, 3.2]}, sharex=True)
    counts = np.stack([(codes == k).sum(axis=1) for k in range(5)])
    top.stackplot(values, counts, labels=OUTCOME_ORDER, colors=[OUTCOME_COLORS[o] for o in OUTCOME_ORDER], step="post")
    top.axvline(p.value, color="black", ls="--", lw=1, label=f"preset {p.value:,.6g}")
    top.set_ylabel(f"chips to {destination}")
    top.legend(fontsize=7, ncol=2, loc="center right", framealpha=0.9)
    fig.suptitle(f"{prep.scenario.id}: sweeping {name} ({p.unit}) — destination {destination}\n"
                 "ticks mark each chip's flip point; chips with no flip on this axis are controlled (or free) by another prong",
                 fontsize=9)
    cmap = ListedColormap([OUTCOME_COLORS[o] for o in OUTCOME_ORDER])
    raster = codes[:, order].T
    edges = np.concatenate([values[:1], (values[1:] + values[:-1]) / 2, values[-1:]])
    bottom.pcolormesh(edges, np.arange(len(order) + 1), raster, cmap=cmap, vmin=-0.5, vmax=4.5, shading="flat")
    bottom.set_yticks(np.arange(len(order)) + 0.5)
    bottom.set_yticklabels([prep.chip_ids[i] for i in order], fontsize=5.5)
    bottom.invert_yaxis()
    for row, i in enumerate(order):
        cid = prep.chip_ids[i]
        chip_flips = flips[flips["chip_id"] == cid]
        if chip_flips.empty:
            bottom.text(values[-1], row + 0.5, f" no flip on this axis ({OUTCOME_ORDER[codes[0, i]]} throughout)",
                        fontsize=5, va="center", ha="left", color="#444")
        for _, f in chip_flips.iterrows():
            bottom.plot([f["flip_at"]] * 2, [row + 0.1, row + 0.9], color="black", lw=1.2)
            bottom.text(f["flip_at"], row + 0.5, f" {f['flip_at']:,.6g}", fontsize=5, va="center", ha="left")
    bottom.axvline(p.value, color="black", ls="--", lw=1)
    bottom.set_xlabel(f"{name} ({p.unit})")
    bottom.set_xlim(values[0], values[-1] + (values[-1] - values[0]) * 0.28)
    fig.tight_layout()
    return fig


def sweep_map_figure(result, x: str, y: str, destination: str):
    """A 2-D map over two swept thresholds: how many chips are not freely allowed at each point."""
    sub = result[result["destination"] == destination]
    xs, ys = np.unique(sub[x]), np.unique(sub[y])
    restricted = (sub["exception"] + sub["license"] + sub["denied"]).to_numpy()
    grid = restricted.reshape(len(xs), len(ys)) if len(sub) == len(xs) * len(ys) else None
    fig, ax = plt.subplots(figsize=(7.5, 5.5), dpi=110)
    if grid is not None:
        mesh = ax.pcolormesh(xs, ys, grid.T, shading="nearest", cmap="Reds")
        fig.colorbar(mesh, ax=ax, label=f"chips needing an exception or license, or denied ({destination})")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(f"{result.attrs.get('scenario', '')}: restricted chips over {x} x {y}", fontsize=10)
    fig.tight_layout()
    return fig
