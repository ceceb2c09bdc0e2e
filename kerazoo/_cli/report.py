"""``kerazoo report``: (re)build a run's self-contained ``report.html``."""

from __future__ import annotations

import argparse
from typing import Any

from kerazoo._naming import printable


def register(sub: Any) -> None:
    p = sub.add_parser(
        "report",
        help="(re)build a run's report.html: settings, curves, metrics, pictures, one file",
        description="Write report.html into a run folder: one self-contained page (pictures "
        "inline, no network, no JavaScript) with the run's settings, curves, test metrics, "
        "confusion matrix, top losses, sample predictions, learning-rate finder and the "
        "pictures of 'kerazoo look'. It reads only the run folder's files (TensorFlow is not "
        "started). Example: kerazoo report runs/shapes-lenet",
    )
    p.add_argument("run", metavar="RUN", help="a run folder (with run.json), from kerazoo train")
    p.add_argument(
        "--out", metavar="FILE", help="where to write the report (default: RUN/report.html)"
    )
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from kerazoo.report._write import write_report

    path = write_report(args.run, args.out)
    print(printable(str(path)))
    return 0
