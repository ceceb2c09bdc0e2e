"""kerazoo's runs in TensorBoard and in MLflow: two runs and a comparison, and screenshots of
both user interfaces showing them.

The tutorial is docs/tutorials/tracking_ui.md. The script trains LeNet on ``shapes`` twice
(two learning rates) and compares it with a wider variant over two seeds, every run tracked
in one MLflow SQLite store (``--track sqlite:///OUT/mlflow.db``) and, as every run does,
writing TensorBoard event files. Then it starts ``tensorboard`` and ``mlflow ui`` on
127.0.0.1 (free ports, nothing leaves the machine), opens them in headless Chromium, saves
screenshots (TensorBoard's Scalars tab with the two runs, its HParams tab with the
comparison, MLflow's list of runs), trimmed and scaled with Pillow, and stops both servers.
Without Chromium (``--chromium PATH`` or ``CHROMIUM``) the runs are made and the
screenshots are skipped, saying so.

Run:
    python examples/tracking_ui.py          # 32x32 shapes, 1,000 images, 4 epochs
    python examples/tracking_ui.py --tiny   # 16x16, 64 images, 2 epochs, 1 seed
    python examples/tracking_ui.py --screenshots-again   # the same runs, new screenshots
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import kerazoo


@dataclass(frozen=True)
class Shot:
    """One screenshot: the server and page, Chromium's window, the page time it waits (ms),
    the width kept from the left (MLflow's assistant panel, on the right, is cut off) and
    the width of the PNG."""

    file: str
    server: str
    page: str
    window: tuple[int, int]
    wait_ms: int
    keep: int
    width: int


SHOTS = [
    Shot(
        "tensorboard_scalars.png",
        "runs",
        "/#scalars&_smoothingWeight=0&_ignoreYOutliers=false",
        (1400, 900),
        20000,
        1400,
        1000,
    ),
    Shot("tensorboard_hparams.png", "compare", "/#hparams", (1800, 700), 20000, 1800, 1200),
    Shot(
        "mlflow_runs.png",
        "mlflow",
        "/#/experiments/{experiment}/runs?workflowType=machine_learning&compareRunsMode=CHART",
        (1700, 1000),
        90000,  # the charts are drawn last
        1262,
        1000,
    ),
]


def make_runs(out: Path, tiny: bool) -> str:
    """Two tracked runs in ``out/runs`` and a tracked comparison in ``out/compare``; returns
    the MLflow tracking URI."""
    track = f"sqlite:///{(out / 'mlflow.db').resolve()}"
    data = {"size": 16 if tiny else 32}
    sizes = (
        {"epochs": 2, "train_size": 64, "val_size": 32, "test_size": 32}
        if tiny
        else {"epochs": 4, "train_size": 1000, "val_size": 200, "test_size": 200}
    )
    for name, rate in (("lenet", 0.001), ("lenet-fast", 0.01)):
        run = kerazoo.train(
            "shapes",
            "lenet",
            data=data,
            learning_rate=rate,
            out=out / "runs" / name,
            track=track,
            verbose=0,
            **sizes,
        )
        print(f"{name}: learning rate {rate}, test accuracy {run.test['accuracy']:.3f}")
    kerazoo.compare(
        "shapes",
        "lenet",
        ["wide: filters=12"],
        data=data,
        seeds=1 if tiny else 2,
        out=out / "compare",
        track=track,
        inside_steps=0,
        classes_steps=0,
        verbose=False,
        **sizes,
    )
    return track


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(args: list[str], port: int, log: Path) -> Iterator[str]:
    """Run a server (``python -m ...``) on 127.0.0.1:``port`` until the block ends."""
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"}
    with open(log, "w") as fh:
        server = subprocess.Popen(  # its own process group: its workers stop with it
            [sys.executable, "-m", *args],
            stdout=fh,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{args[0]} did not start; see {log}") from None
                time.sleep(0.5)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def screenshot(chromium: str, url: str, png: Path, shot: Shot) -> Path:
    """``url`` as headless Chromium renders it, as ``shot`` says, trimmed of empty space
    below, as a 256-colour PNG."""
    from PIL import Image, ImageChops

    raw = png.with_suffix(".raw.png")
    command = [
        chromium,
        "--headless=new",
        "--no-sandbox",
        "--hide-scrollbars",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",  # nothing leaves
        "--use-angle=swiftshader",
        "--enable-unsafe-swiftshader",
        f"--window-size={shot.window[0]},{shot.window[1]}",
        f"--virtual-time-budget={shot.wait_ms}",
        f"--screenshot={raw}",
        url,
    ]
    subprocess.run(command, capture_output=True, timeout=180, check=True)
    with Image.open(raw) as image:
        picture = image.convert("RGB").crop((0, 0, min(shot.keep, image.width), image.height))
    corner = picture.getpixel((picture.width - 1, picture.height - 1))
    box = ImageChops.difference(picture, Image.new("RGB", picture.size, corner)).getbbox()
    if box:  # keep the full width, drop the empty rows at the bottom
        picture = picture.crop((0, 0, picture.width, min(picture.height, box[3] + 16)))
    height = round(picture.height * shot.width / picture.width)
    picture = picture.resize((shot.width, height), Image.Resampling.LANCZOS)
    picture.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(png, optimize=True)
    raw.unlink()
    return png


def take_screenshots(out: Path, track: str, chromium: str) -> list[Path]:
    """Start TensorBoard on the runs and on the comparison, and ``mlflow ui`` on the
    store; screenshot each; stop them."""
    import mlflow

    experiment = mlflow.MlflowClient(track).get_experiment_by_name("kerazoo").experiment_id
    shots = out / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    servers = {
        "runs": ["tensorboard.main", "--logdir", str(out / "runs")],
        "compare": ["tensorboard.main", "--logdir", str(out / "compare")],
        "mlflow": ["mlflow", "ui", "--backend-store-uri", track, "--workers", "1"],
    }
    pictures = []
    for shot in SHOTS:
        port = free_port()
        args = [*servers[shot.server], "--host", "127.0.0.1", "--port", str(port)]
        with serving(args, port, shots / f"{shot.server}.log") as url:
            page = url + shot.page.format(experiment=experiment)
            pictures.append(screenshot(chromium, page, shots / shot.file, shot))
    return pictures


def main(out: Path, tiny: bool, chromium: str | None, again: bool = False) -> list[Path]:
    """Make the runs, then the screenshots where Chromium is found.

    Args:
        out: the folder for everything (``runs/``, ``compare/``, ``mlflow.db``,
            ``screenshots/``).
        tiny: tiny images, few of them and two epochs, for a test run.
        chromium: the Chromium (or Chrome) program; ``None``: none, no screenshots.
        again: keep the runs already in ``out``; take the screenshots again.

    Returns:
        The picture files: the screenshots, then the comparison's curves.
    """
    track = f"sqlite:///{(out / 'mlflow.db').resolve()}" if again else make_runs(out, tiny)
    pictures = []
    if chromium:
        pictures = take_screenshots(out, track, chromium)
    else:
        print("No Chromium found (--chromium PATH): the screenshots are skipped.")
    return [*pictures, out / "compare" / "curves.png"]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiny", action="store_true", help="few images, a test run")
    parser.add_argument("--out", type=Path, default=Path("tutorial-tracking-ui"))
    parser.add_argument(
        "--chromium",
        default=os.environ.get("CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
        or shutil.which("google-chrome"),
        help="the Chromium or Chrome program for the screenshots",
    )
    parser.add_argument(
        "--screenshots-again",
        action="store_true",
        help="keep the runs already in --out and take the screenshots again",
    )
    args = parser.parse_args()
    pictures = main(args.out, args.tiny, args.chromium, args.screenshots_again)
    print("Look at:")
    for picture in pictures:
        print(f"  {picture}")
