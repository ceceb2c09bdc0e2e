"""``kerazoo new-plugin``: write a complete plugin package to start from."""

from __future__ import annotations

import argparse
from typing import Any

from kerazoo._naming import printable


def register(sub: Any) -> None:
    p = sub.add_parser(
        "new-plugin",
        help="write a new plugin package (dataset with masks, architecture, tests) to edit",
        description="Copy kerazoo's plugin template into DIR/NAME: a pyproject.toml with the "
        "entry points, a dataset with object masks, an architecture with hyperparameters, and "
        "tests that run kerazoo.testing's contract checks. The template is also installed with "
        "kerazoo (kerazoo/plugin_template/files) to copy by hand. Example: kerazoo new-plugin "
        "kz_dots && pip install -e './kz_dots[test]' && python -m pytest kz_dots",
    )
    p.add_argument(
        "name",
        metavar="NAME",
        help="the import package: lowercase letters, digits, underscores (e.g. kz_dots); the "
        "distribution is the same with dashes, the plugins NAME_bars and NAME_net",
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        default=".",
        help="where to create the NAME folder (default: here); an existing one is refused",
    )
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from kerazoo.plugin_template import write_plugin

    root = write_plugin(args.name, args.out)
    where = printable(str(root))
    steps = [
        (f"pip install -e '{where}[test]'", f"registers {args.name}_bars and {args.name}_net"),
        (f"python -m pytest {where}", "kerazoo's contract checks on them"),
        ("kerazoo list", "both are listed"),
        (f"kerazoo train {args.name}_bars {args.name}_net --epochs 2", "a first run"),
    ]
    width = max(len(cmd) for cmd, _ in steps) + 2
    print(f"Wrote the plugin package {where}. Next:")
    for cmd, what in steps:
        print(f"  {cmd.ljust(width)}# {what}")
    return 0
