"""``kerazoo zoo``: the trained reference models installed packages ship, with their cards.

``list`` (a table of the cards), ``show NAME`` (one card), ``get NAME --out DIR`` (a run
folder of one's own) and ``verify NAME`` (train again by the recipe; exit 1 when the mean
is not within 2 sd of the card's).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from kerazoo._naming import printable


def register(sub: Any) -> None:
    p = sub.add_parser(
        "zoo",
        help="trained reference models with cards: list, show, get, verify",
        description="Trained reference models shipped in installed packages (entry-point "
        "group kerazoo.zoo). Any command that takes a MODEL accepts zoo:NAME, e.g. "
        "'kerazoo look maps zoo:lenet-shapes --out maps.png'; the model file's sha256 is "
        "checked against its card at every load.",
    )
    p.set_defaults(func=lambda _args: p.print_help() or 0)
    verbs = p.add_subparsers(dest="verb", metavar="VERB")
    listing = verbs.add_parser("list", help="a table of the installed zoo entries' cards")
    listing.add_argument("pattern", nargs="?", default="*", help="names to show (wildcards)")
    listing.set_defaults(func=_list)
    show = verbs.add_parser("show", help="one card, readable (or --json)")
    show.add_argument("name", help="the entry's name, e.g. lenet-shapes")
    show.add_argument("--json", action="store_true", help="print card.json as it is")
    show.set_defaults(func=_show)
    get = verbs.add_parser(
        "get",
        help="copy an entry into a run folder of your own, with evaluation/ and report.html",
    )
    get.add_argument("name", help="the entry's name, e.g. lenet-shapes")
    get.add_argument("--out", required=True, metavar="DIR", help="the new run folder")
    get.set_defaults(func=_get)
    verify = verbs.add_parser(
        "verify",
        help="train again by the card's recipe; exit 1 unless the mean is within 2 sd",
        description="Train NAME again by its card's recipe, one run per seed (0, 1, ...), "
        "and say whether the mean test metric lands within 2 sd of the card's mean. Exit "
        "status 0 when it does, 1 when it does not.",
    )
    verify.add_argument("name", help="the entry's name, e.g. lenet-traffic-lights")
    verify.add_argument("--seeds", type=int, default=5, help="seeds to train, 0 .. N-1 (default 5)")
    verify.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="keep the runs here (default: a temporary folder, removed)",
    )
    verify.set_defaults(func=_verify)


def _list(args: argparse.Namespace) -> int:
    from kerazoo.zoo._card import list_zoo

    rows = [card.row() for card in list_zoo(args.pattern)]
    if not rows:
        print(f"no zoo entries match {printable(args.pattern)!r}")
        return 0
    heads = list(rows[0])
    widths = [max(len(h), *(len(printable(r[h])) for r in rows)) for h in heads]
    print("  ".join(h.ljust(w) for h, w in zip(heads, widths, strict=True)).rstrip())
    for r in rows:
        cells = [printable(r[h]).ljust(w) for h, w in zip(heads, widths, strict=True)]
        print("  ".join(cells).rstrip())
    return 0


def _show(args: argparse.Namespace) -> int:
    from kerazoo.zoo._card import get_zoo

    card = get_zoo(args.name)
    if args.json:
        print(json.dumps(card.card, indent=2))
    else:
        print("\n".join(card.lines()))
    return 0


def _get(args: argparse.Namespace) -> int:
    from kerazoo.zoo._fetch import fetch_zoo

    target = fetch_zoo(args.name, args.out)
    print(f"wrote zoo:{printable(args.name.removeprefix('zoo:'))} to {printable(str(target))}/:")
    for path in sorted(target.rglob("*")):
        if path.is_file():
            print(f"  {printable(path.relative_to(target).as_posix())}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from kerazoo.zoo._fetch import verify_zoo

    result = verify_zoo(args.name, seeds=args.seeds, out=args.out)
    print("\n".join(result.lines()))
    return 0 if result.within else 1
