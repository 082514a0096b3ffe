"""The options several `chipsim` commands share (chip table, conventions, transaction, output) and how they
are read, so that every command family (sim/cli.py, sim/cli_flows.py) reads them the same way."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .data import chips as chips_mod
from .errors import ChipsimError
from .report.output import FORMATS
from .rules.conventions import INTERCONNECT_READINGS, MetricConventions


class Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own errors: one line, exit 2, like ours
        self.exit(2, f"chipsim: error: {message}\n(see `{self.prog} --help`)\n")


def add_table_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("chip table and metric conventions")
    g.add_argument("--chips", metavar="FILE", help="chip table in chipsim's CSV format (default: the bundled chips.csv)")
    g.add_argument("--tf32-bits", type=int, choices=(19, 32), default=19, help="bit length of a TF32 operation (default 19, its operand width)")
    g.add_argument("--fp6-bits", type=int, choices=(6, 8), default=6, help="bit length of an FP6 operation (default 6)")
    g.add_argument("--count-per", choices=("chip", "package"), default="chip",
                   help="evaluate one accelerator or a whole package, e.g. a GB200 superchip (default chip)")
    g.add_argument("--is-informed-scope", choices=("below-3a090", "all"), default="below-3a090",
                   help="which chips the April 2025 letters' bandwidth triggers reach: those outside 3A090, as reported "
                        "(default), or every chip (a stricter reading no published source supports)")
    g.add_argument("--interconnect", choices=INTERCONNECT_READINGS, default="chip-to-chip",
                   help="what a bill's undefined 'interconnect bandwidth' reads (SAFE Chips Act): chip-to-chip links "
                        "without the host interface (default), or the whole I/O figure with the host link")


def add_format(p: argparse.ArgumentParser, formats=FORMATS) -> None:
    p.add_argument("--format", choices=formats, default="table")
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")


def conventions_from(args) -> MetricConventions:
    return MetricConventions(tf32_bits=args.tf32_bits, fp6_bits=args.fp6_bits, count_per=args.count_per,
                             is_informed_scope=getattr(args, "is_informed_scope", "below-3a090"),
                             interconnect=getattr(args, "interconnect", "chip-to-chip"))


def table_from(args):
    return chips_mod.load_chips(args.chips)


def add_transaction_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("transaction")
    g.add_argument("--hq", metavar="ISO2", help="end user's headquarters country (default: same as destination)")
    kind = g.add_mutually_exclusive_group()
    kind.add_argument("--reexport", action="store_true", help="a reexport rather than an export from the US")
    kind.add_argument("--transfer", action="store_true", help="an in-country transfer (within the destination)")
    kind.add_argument("--remote-access", action="store_true",
                      help="remote (cloud) access by a party in the destination: only a scenario that adopts it "
                           "regulates it (remote-access-hr2683, a bill)")
    g.add_argument("--quantity", type=float, default=1.0, help="units in the transaction (for per-consignee caps, default 1)")
    s = p.add_argument_group("end-user screening (default: nobody listed, no military end use)")
    s.add_argument("--entity-list", choices=("none", "listed", "fn1", "fn3", "fn4"), default="none",
                   help="a party is on the Entity List (15 CFR 744.11): any entry, or footnote 1 (Huawei), "
                        "3 (Russian/Belarusian military end users) or 4 (advanced computing)")
    s.add_argument("--military-end-use", action="store_true",
                   help="known military end use or end user (15 CFR 744.21)")
    s.add_argument("--military-intelligence", action="store_true",
                   help="known military-intelligence end use or end user (15 CFR 744.22)")
    s.add_argument("--listed-affiliate", action="store_true",
                   help="a party is owned 50 %% or more by listed parties (the BIS Affiliates rule: in force 2025-09-29, "
                        "suspended 2025-11-10 for a year, status after 2026-11-10 UNCERTAIN)")


def context_from(args):
    from .engine.vectorised import Context

    hq = None
    if args.hq:
        from .data.destinations import resolve_destinations

        hq = resolve_destinations([args.hq])[0]
    export = ("reexport" if args.reexport else "transfer" if getattr(args, "transfer", False)
              else "remote_access" if getattr(args, "remote_access", False) else "us")
    return Context(hq=hq, export=export, quantity=args.quantity, entity_list=getattr(args, "entity_list", "none"),
                   military_end_use=getattr(args, "military_end_use", False),
                   military_intelligence=getattr(args, "military_intelligence", False),
                   listed_affiliate=getattr(args, "listed_affiliate", False))


def write_text(text: str, out: str | None, said: str = "") -> None:
    """Text to the file `out` (then `said` on stderr) or to standard output; a failed write is one clear error."""
    if not out:
        sys.stdout.write(text)
        return
    try:
        Path(out).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ChipsimError(f"cannot write {out}: {exc.strerror or exc}") from None
    if said:
        print(said, file=sys.stderr)


def write_converted(text: str, out: str | None, rows: int) -> None:
    """A converted table to `out` (saying how many rows went there) or to standard output."""
    write_text(text, out, f"wrote {rows} rows to {out}")
