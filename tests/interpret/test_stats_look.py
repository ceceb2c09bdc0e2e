"""``kerazoo look stats`` is a library call: the same table and picture from Python."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

import kerazoo
from kerazoo._cli import main
from kerazoo.interpret._stats_look import look_stats
from tests.fixtures.tiny_models import classifier, meta_for


def test_look_stats_gives_the_table_the_command_prints(tmp_path: Path, capsys) -> None:
    saved = kerazoo.save_model(classifier(), tmp_path / "m.keras", meta_for())
    image = tmp_path / "a.png"
    Image.fromarray(np.arange(64, dtype=np.uint8).reshape(8, 8)).save(image)
    out = tmp_path / "stats.png"
    done = look_stats(saved, images=[image], out=out)
    header = ["layer", "values/image", "mean", "std", "gain", "zero", "dead", "units"]
    assert done.lines[0].split() == header
    first, second = (line.split()[0] for line in done.lines[1:3])
    assert first.startswith("conv2d") and second.startswith("dense")  # names count per process
    assert done.written == [out] and out.is_file() and done.lines[-1] == f"Wrote {out}"
    args = ["look", "stats", str(saved), "--image", str(image), "--out", str(out)]
    assert main(args) == 0
    assert capsys.readouterr().out.splitlines() == done.lines


def test_look_maps_names_one_file_per_layer_and_image(tmp_path: Path) -> None:
    from kerazoo.interpret._maps_look import look_maps

    saved = kerazoo.save_model(classifier(), tmp_path / "m.keras", meta_for())
    files = []
    for i in range(2):
        files.append(tmp_path / f"{i}.png")
        Image.fromarray(np.full((8, 8), 60 * i, np.uint8)).save(files[-1])
    written, notes = look_maps(saved, tmp_path / "x.png", images=files)
    assert notes == [] and len(written) == 2  # one convolution, two images
    assert sorted(p.name for p in written)[0].startswith("x-image1")
    kernels, _ = look_maps(saved, tmp_path / "k", kernels=True)
    assert len(kernels) == 1 and kernels[0].is_file()
