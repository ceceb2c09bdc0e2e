"""Preview grids: a PNG written atomically, tiles titled with the labels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import kerazoo
from kerazoo.data._preview import label_text, preview_grid


def test_preview_titles_are_the_labels() -> None:
    circles = kerazoo.get_dataset("circles", target="count")
    assert label_text(circles.task, np.float32(4.0)) == "4"
    shapes = kerazoo.get_dataset("shapes")
    assert label_text(shapes.task, np.int64(2)) == "triangle"
    assert label_text(kerazoo.Task.reconstruction(), None) == ""


def test_preview_grid_writes_one_png_and_nothing_else(tmp_path: Path) -> None:
    ds = kerazoo.get_dataset("shapes", size=16)
    out = preview_grid(ds.generate(4, seed=0), ds.task, tmp_path / "sub" / "grid.png", cols=2)
    assert out == tmp_path / "sub" / "grid.png"
    assert [p.name for p in out.parent.iterdir()] == ["grid.png"]  # no temporary left
    with Image.open(out) as img:
        assert img.format == "PNG"


def test_preview_grid_refuses_nothing_to_draw(tmp_path: Path) -> None:
    ds = kerazoo.get_dataset("shapes", size=16)
    with pytest.raises(kerazoo.DataError, match=r"no samples to preview: ask for n=1 or more"):
        preview_grid(ds.generate(0), ds.task, tmp_path / "x.png")
    with pytest.raises(kerazoo.InvalidOptionError, match=r"cols must be >= 1, got 0"):
        preview_grid(ds.generate(2), ds.task, tmp_path / "x.png", cols=0)
    assert not (tmp_path / "x.png").exists()


def test_masks_are_outlined_without_changing_the_lamp_colours(tmp_path: Path) -> None:
    ds = kerazoo.get_dataset("traffic_lights")
    samples = ds.generate(6, seed=0)
    assert samples.masks is not None and samples.masks.any()
    plain = preview_grid(samples, ds.task, tmp_path / "plain.png")
    masked = preview_grid(samples, ds.task, tmp_path / "masked.png", show_masks=True)
    with Image.open(plain) as a, Image.open(masked) as b:
        before = np.asarray(a.convert("RGB"), dtype=np.int32)
        after = np.asarray(b.convert("RGB"), dtype=np.int32)
    changed = np.abs(after - before).sum(axis=-1) > 30
    assert changed.sum() > 100  # the outlines are there
    assert changed.mean() < 0.1  # and thin: lamps keep their own colour inside them
    red, green, blue = (after[changed][:, i] for i in range(3))
    # cyan outlines: blue and green up, red down (a red tint would do the opposite)
    assert (blue - red).mean() > 80 and (green - red).mean() > 80
