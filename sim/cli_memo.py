"""`chipsim memo`: a determination record for one chip, destination and transaction (Markdown, HTML, JSON).

Kept beside sim/cli.py (which registers it) so the command line stays one module per family of commands.
"""

from __future__ import annotations

from .cli_options import (
    add_table_options,
    add_transaction_options,
    context_from,
    conventions_from,
    table_from,
    write_text,
)
from .errors import ChipsimError


def cmd_memo(args) -> int:
    from .data.destinations import parse_date
    from .report.memo import determination, log_line, render
    from .rules.scenario import parse_assignments

    as_of = parse_date(args.as_of, "--as-of") if args.as_of else None
    record = determination(args.chip_id, args.dest, args.scenario, as_of=as_of, overrides=parse_assignments(args.set),
                           table=table_from(args), ctx=context_from(args), conv=conventions_from(args),
                           preparer=args.preparer or "", reviewer=args.reviewer or "")
    write_text(render(record, args.format), args.out, f"wrote the determination record to {args.out} "
               f"(record sha256 {record['provenance']['record_sha256'][:12]})")
    if args.log:
        try:
            with open(args.log, "a", encoding="utf-8") as log:  # append-only: earlier lines are never rewritten
                log.write(log_line(record, args.out or ""))
        except OSError as exc:
            raise ChipsimError(f"cannot append to {args.log}: {exc.strerror or exc}") from None
    return 0


def register(sub) -> None:
    from .report.memo import FORMATS

    p = sub.add_parser("memo", help="a determination record to file: ECCNs eliminated, rules with citations, inputs "
                                    "with sources, a reproducible hash")
    p.add_argument("chip_id")
    p.add_argument("--dest", required=True, metavar="ISO2")
    g = p.add_argument_group("rules")
    g.add_argument("--scenario", metavar="ID|FILE", help="preset or scenario file (default: the rules in force on --as-of)")
    g.add_argument("--as-of", metavar="YYYY-MM-DD", help="evaluate on this date")
    g.add_argument("--set", action="append", metavar="NAME=VALUE", default=[], help="edit a parameter (repeatable)")
    add_table_options(p)
    add_transaction_options(p)
    p.add_argument("--preparer", help="name printed in the sign-off")
    p.add_argument("--reviewer", help="name printed in the sign-off")
    p.add_argument("--format", choices=FORMATS, default="md")
    p.add_argument("--out", metavar="FILE")
    p.add_argument("--log", metavar="FILE.jsonl", help="append one JSON line per record produced (never rewritten)")
    p.set_defaults(func=cmd_memo)
