"""``kerazoo list``: the installed datasets and architectures."""

from __future__ import annotations

import argparse
import json
import warnings
from typing import Any

from kerazoo import _registry as registry
from kerazoo._conflicts import summary


def register(sub: Any) -> None:
    p = sub.add_parser(
        "list",
        help="list installed datasets and architectures",
        description="List installed datasets and architectures. PATTERN is a shell-style "
        "wildcard, e.g. '*vgg*'.",
    )
    p.add_argument(
        "what",
        nargs="?",
        choices=("datasets", "architectures"),
        help="only datasets or only architectures (default: both)",
    )
    p.add_argument("pattern", nargs="?", help="wildcard on the name, e.g. 'c*' or '*vgg*'")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument(
        "--verbose", "-v", action="store_true", help="also show options / hyperparameters"
    )
    p.set_defaults(func=_run)


def _describe(entry: registry.Entry, contested: set[tuple[str, str]]) -> dict[str, Any]:
    cls, kind = entry.obj, entry.kind
    table = cls.options if kind == "dataset" else cls.hyperparameters
    out: dict[str, Any] = {
        "name": entry.name,
        "description": cls.description,
        "plugin": entry.source,
        "conflict": (kind, entry.name) in contested,
        "options" if kind == "dataset" else "hyperparameters": {
            k: {
                "default": p.dump(p.default),
                "allowed": p.describe(),
                "help": p.help,
                **({"searched": list(p.search)} if p.search else {}),
            }
            for k, p in table.items()
        },
    }
    if kind == "architecture":
        out["tasks"] = list(cls.tasks)
    return out


def _run(args: argparse.Namespace) -> int:
    kinds = {"datasets": ["dataset"], "architectures": ["architecture"]}.get(
        args.what, ["dataset", "architecture"]
    )
    reg = registry.current()
    result: dict[str, list[dict[str, Any]]] = {}
    for kind in kinds:
        entries = reg.loadable(kind, args.pattern)
        contested = {k for k in reg.conflicts() if k[0] == kind}
        result[kind + "s"] = [_describe(e, contested) for e in entries]
    unsettled = reg.conflicts(unsettled=True)
    if unsettled:  # all of them at once, whatever is listed
        warnings.warn(summary(unsettled), registry.PluginWarning, stacklevel=2)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    for group, items in result.items():
        print(f"{group}:")
        if not items:
            print("  (none match)" if args.pattern else "  (none installed)")
        width = max((len(i["name"]) for i in items), default=0)
        for item in items:
            extra = f"  [{', '.join(item['tasks'])}]" if "tasks" in item else ""
            if item["conflict"]:
                extra += f"  ({item['plugin']})  CONFLICT: name registered by more than one package"
            print(f"  {item['name']:<{width}}  {item['description']}{extra}")
            if args.verbose:
                table = item.get("options", item.get("hyperparameters", {}))
                for key, info in table.items():
                    allowed = info["allowed"]
                    if "searched" in info:
                        allowed += "; tune searches [{}, {}]".format(*info["searched"])
                    print(f"      {key}={info['default']!r}  ({allowed}) {info['help']}")
    return 0
