"""Fit a sine with a small MLP: what a network approximates, and what it does beyond.

The tutorial is docs/tutorials/function.md. The script trains the ``mlp`` architecture on
the ``function`` dataset three times: ``y = sin(x)`` on ``[-pi, pi]`` with ReLU units (the
default) and with tanh units, then a 2-D bump ``exp(-r^2 / 2)``. Each run's test
evaluation draws ``evaluation/fit.png``: the model over every input, the trained interval
shaded, so what happens outside it is in the picture. The MAE printed is the test
evaluation's, through the Predictor (what ``kerazoo evaluate`` reports).

Run:
    python examples/fit_function.py          # 4000 samples, 30 epochs per run
    python examples/fit_function.py --tiny   # 256 samples, 2 epochs
"""

from __future__ import annotations

import argparse
from pathlib import Path

import kerazoo

#: run name -> (dataset options, mlp hyperparameters)
RUNS = {
    "sine": ({"f": "sin"}, {}),
    "sine-tanh": ({"f": "sin"}, {"activation": "tanh"}),
    "bump-2d": ({"f": "gauss", "dims": 2}, {}),
}


def main(out: Path, tiny: bool) -> list[Path]:
    """Train the three runs; print each test MAE.

    Args:
        out: the folder for the run folders (``out/NAME``).
        tiny: few samples and two epochs, for a test run.

    Returns:
        The ``fit.png`` of each run, in the order the tutorial reads them.
    """
    sizes = (
        {"train_size": 256, "val_size": 64, "test_size": 64, "epochs": 2}
        if tiny
        else {"train_size": 4000, "val_size": 1000, "test_size": 1000, "epochs": 30}
    )
    pictures = []
    for name, (data, hp) in RUNS.items():
        run = kerazoo.train(
            "function", "mlp", data=data, hp=hp, out=out / name, verbose=0, seed=0, **sizes
        )
        print(f"{name}: test MAE {run.test['mae']:.4f}")
        pictures.append(out / name / "evaluation" / "fit.png")
    return pictures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("runs/function"))
    parser.add_argument("--tiny", action="store_true", help="a quick run for tests")
    args = parser.parse_args()
    written = main(args.out, args.tiny)
    print("Look at:")
    for path in written:
        print(f"  {path}")
