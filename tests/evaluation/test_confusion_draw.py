"""The confusion matrix picture: cells on matplotlib's "Blues" scale, darkest where the
count is highest, names drawn as written, any number of classes."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from kerazoo.evaluation._confusion_draw import blues, draw_confusion


def test_the_scale_is_matplotlibs_blues() -> None:
    import matplotlib

    values = np.linspace(0, 1, 101)
    theirs = np.rint(matplotlib.colormaps["Blues"](values)[:, :3] * 255)
    assert np.abs(blues(values).astype(int) - theirs).max() <= 2  # its 256-step table


def _pixels(path) -> np.ndarray:
    with Image.open(path) as im:
        assert im.format == "PNG" and im.width >= 400 and im.height >= 250
        return np.asarray(im.convert("RGB"))


def test_cells_are_shaded_by_their_count(tmp_path) -> None:
    counts = np.array([[50, 0], [10, 40]])
    picture = _pixels(draw_confusion(tmp_path / "c.png", counts, ["cat", "dog"], "title"))
    cell = 96 * 96  # two classes: large cells
    for value in (1.0, 0.8, 0.2, 0.0):  # 50, 40, 10 and 0 images of 50 at most
        shaded = int(np.all(picture == blues(np.array(value)), axis=-1).sum())
        assert 0.7 * cell < shaded < 1.1 * cell, value  # the cell, less its digits


@pytest.mark.parametrize("k", [1, 12, 150])
def test_any_number_of_classes(tmp_path, k) -> None:
    counts = np.diag(np.arange(1, k + 1))
    names = [f"class {i} $x$ \x07" for i in range(k)]
    picture = _pixels(draw_confusion(tmp_path / "c.png", counts, names, "many " * 60))
    assert picture.shape[0] < 1600 and picture.shape[1] < 1600
