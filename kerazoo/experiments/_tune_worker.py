"""``kerazoo tune --worker I --oracle HOST:PORT --out OUT``: one worker of a distributed search.

A worker needs no other option: it reads the search from the chief's ``OUT/tune.json``
(dataset, architecture, fixed values, settings, space, tuner, objective), makes the same
data split, then asks the chief's keras-tuner oracle for trials until the search is over,
writing each trial's files into ``OUT/tuner/`` as a search in one process would. See
:mod:`kerazoo.experiments._tune_cluster` for the roles.

Example:
    >>> import kerazoo
    >>> from kerazoo.experiments._tune_worker import tune_worker
    >>> tune_worker("/shared/tune-lenet", 1, "10.0.0.5:8000")     # doctest: +SKIP
    3
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from kerazoo._errors import InvalidOptionError

__all__ = ["search_from_request", "tune_worker"]


def tune_worker(
    out: str | os.PathLike[str],
    worker: int,
    oracle: str,
    *,
    wait: float = 600.0,
    verbose: bool = True,
) -> int:
    """Run trials for the chief at ``oracle`` until it says the search is over.

    Args:
        out: the search's folder, the chief's own (a shared file system between machines).
        worker: this worker's number (1, 2, ...): unique in the search. A worker started
            again with the same number reruns the trial it was killed in.
        oracle: the chief's ``HOST:PORT``.
        wait: seconds to wait for the chief's ``tune.json`` to appear.
        verbose: one line per trial, prefixed ``worker N``.

    Returns:
        The number of trials this worker ran.
    """
    from kerazoo.experiments import _tune_cluster as cluster
    from kerazoo.experiments._tune import _Progress, _quiet_search, make_search_tuner
    from kerazoo.training._session import seeded

    if isinstance(worker, bool) or not isinstance(worker, int) or worker < 1:
        raise InvalidOptionError(f"--worker must be a number from 1, got {worker!r}.")
    host, port = cluster.parse_address(oracle, "--oracle")
    cluster.require_grpc()
    folder = Path(out)
    request = _wait_for_request(folder, wait)
    ds, plan, how = search_from_request(request)
    cluster.watch_parent()
    label, ran = f"worker {worker}", []
    shown = _Progress(0, how[2], plan.searched(), worker=label) if verbose else None

    def progress(event: dict[str, Any]) -> None:
        ran.append(event["trial"].trial_id)
        if shown is not None:
            shown(event)

    cfg = plan.settings
    role = cluster.oracle_role(f"worker{worker}", host, port)
    with seeded(int(cfg["seed"]), cfg["deterministic"]), _quiet_search(), role:
        tuner = make_search_tuner(folder, ds, plan, how, progress)
        if verbose:
            print(
                f"{label}: searching {plan.arch.name} for the chief at {host}:{port}",
                flush=True,
            )
        tuner.search(epochs=cfg["epochs"], verbose=0)
    return len(ran)


def _wait_for_request(folder: Path, wait: float) -> dict[str, Any]:
    path, deadline = folder / "tune.json", time.monotonic() + wait
    while True:
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            if time.monotonic() > deadline:
                raise InvalidOptionError(
                    f"No search in {folder} (no readable tune.json after {wait:g} s): a worker "
                    "reads the search the chief writes there. Start the chief first (kerazoo "
                    "tune DATASET ARCH ... --chief HOST:PORT --out FOLDER) and give its "
                    "--out here, on a file system both machines share."
                ) from None
            time.sleep(0.5)


def search_from_request(request: dict[str, Any]) -> tuple[Any, Any, tuple[str, int, Any]]:
    """The chief's search, rebuilt from its ``tune.json``: ``(dataset, plan, how)``.

    Raises:
        InvalidOptionError: the rebuilt search is not the chief's (another kerazoo version or
            plugin version on this machine).
    """
    from kerazoo.experiments._tune import _setup
    from kerazoo.experiments._tune_space import searched_settings

    fixed = set(request["fixed_settings"])
    settings = {
        k: v for k, v in request["settings"].items() if k in fixed or k not in searched_settings()
    }
    space = {
        k: tuple(v) if kind == "range" else list(v) for k, (kind, v) in request["space"].items()
    }
    asked = (
        request["dataset"]["options"],
        request["architecture"]["fixed"],
        request["objective"][0],
        space,
    )
    names = (request["dataset"]["name"], request["architecture"]["name"])
    ds, plan, metric = _setup(*names, asked, settings, [])
    again = json.loads(json.dumps(plan.request(ds, request["tuner"], metric)))
    if again != request:
        raise InvalidOptionError(
            "This worker cannot rebuild the chief's search from tune.json (its kerazoo or "
            "plugins differ from the chief's?): install the same versions on every machine."
        )
    return ds, plan, (request["tuner"], 1, metric)
