"""``kerazoo plugins``: a health report of every registered plugin."""

from __future__ import annotations

import argparse
import json
from typing import Any

from kerazoo import _registry as registry
from kerazoo._conflicts import find_conflicts, summary
from kerazoo._naming import printable


def register(sub: Any) -> None:
    p = sub.add_parser(
        "plugins",
        help="health report of installed plugins",
        description="Load every registered plugin and report its package, version and "
        "status. Exit code 1 when any plugin failed. With --check each plugin loads in "
        "a child process with a time limit.",
    )
    p.add_argument("--verbose", "-v", action="store_true", help="show tracebacks of failures")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument(
        "--check",
        action="store_true",
        help="load each plugin in a child process of its own, so one that hangs, calls "
        "os._exit() or crashes the interpreter is reported by name instead of stopping "
        "this command",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=20.0,
        metavar="S",
        help="with --check: seconds each plugin may take to load (default: 20)",
    )
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    if args.check:
        from kerazoo._plugin_check import check_plugins

        entries = check_plugins(timeout=args.timeout)
    else:
        entries = registry.plugin_report()
    counts: dict[tuple[str, str], int] = {}
    for e in entries:
        counts[(e.kind, e.name)] = counts.get((e.kind, e.name), 0) + 1
    if args.json:
        rows = [
            {
                "kind": e.kind,
                "name": e.name,
                "entry_point": e.value,
                "distribution": e.dist,
                "version": e.version,
                "status": e.status,
                "error": e.error,
                "conflict": counts[(e.kind, e.name)] > 1,
                **({"traceback": e.trace} if args.verbose and e.trace else {}),
            }
            for e in entries
        ]
        print(json.dumps(rows, indent=2))
    else:
        for e in entries:
            flag = (
                "  CONFLICT: name registered by more than one package"
                if (counts[(e.kind, e.name)] > 1)
                else ""
            )
            name, value, source = printable(e.name), printable(e.value), printable(e.source)
            print(f"{e.status:<7} {e.kind:<12} {name:<16} {value}  ({source}){flag}")
            if e.status == "failed":
                print(f"        {printable(e.error)}")
                if args.verbose:
                    trace = e.trace.rstrip().splitlines()
                    print("".join(f"        {printable(line)}\n" for line in trace), end="")
        failed = sum(e.status == "failed" for e in entries)
        print(f"{len(entries)} plugins, {len(entries) - failed} loaded, {failed} failed")
        if any(n > 1 for n in counts.values()):
            print(summary(find_conflicts(entries)))
    return 1 if any(e.status == "failed" for e in entries) else 0
