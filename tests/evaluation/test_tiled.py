"""The image grids of an evaluation (top losses, samples) are one tiled picture: every image
shown pixel for pixel, framed and captioned in green when right and red when wrong."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from kerazoo import InvalidOptionError
from kerazoo.evaluation._draw import RIGHT, WRONG, draw_grid


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], np.uint8)


def _pixels(path) -> np.ndarray:
    with Image.open(path) as im:
        assert im.format == "PNG"
        return np.asarray(im.convert("RGB"))


def _count(picture: np.ndarray, colour: str) -> int:
    return int(np.all(picture == _rgb(colour), axis=-1).sum())


def test_right_and_wrong_are_framed_in_their_colours(tmp_path) -> None:
    images = np.zeros((4, 8, 8, 1), np.uint8)
    colours = [RIGHT, WRONG, RIGHT, RIGHT]
    path = draw_grid(tmp_path / "g.png", images, ["a", "b", "c", "d"], "heading", colors=colours)
    picture = _pixels(path)
    green, red = _count(picture, RIGHT), _count(picture, WRONG)
    assert green > 0 and red > 0  # frames (and captions) in both colours
    assert 2.5 < green / red < 3.5  # three frames green for one red


def test_each_image_is_shown_whole_and_sharp(tmp_path) -> None:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (3, 6, 10, 3), dtype=np.uint8)
    picture = _pixels(draw_grid(tmp_path / "g.png", images, ["x"] * 3, "RGB images"))
    for image in images:  # every image appears scaled by a whole factor, pixels intact
        k = 144 // 10
        big = image.repeat(k, axis=0).repeat(k, axis=1)
        rows = np.argwhere(np.all(picture == big[0, 0], axis=-1))
        found = any(
            np.array_equal(picture[y : y + big.shape[0], x : x + big.shape[1]], big)
            for y, x in rows
        )
        assert found


def test_a_large_picture_with_long_captions_stays_readable(tmp_path) -> None:
    images = np.full((10, 300, 200, 1), 128, np.uint8)
    long = "a class name far too long to fit under one small image " * 3
    path = draw_grid(tmp_path / "g.png", images, [f"{long}\np=0.5"] * 10, "heading " * 40)
    picture = _pixels(path)
    assert picture.shape[1] < 8 * 2.5 * 150 + 100  # long captions are cut, not widening
    assert picture.shape[0] > 2 * 144  # two rows of images, the heading wrapped above


def test_names_are_drawn_as_written(tmp_path) -> None:
    """Dollars stay dollars; a control character is drawn as its escape, never sent raw."""
    images = np.zeros((2, 8, 8, 1), np.uint8)

    def drawn(name: str, captions: list[str]) -> np.ndarray:
        return _pixels(draw_grid(tmp_path / f"{name}.png", images, captions, "heading"))

    control = drawn("control", ["$x^2$", "bell\x07"])
    assert np.array_equal(control, drawn("escaped", ["$x^2$", "bell\\x07"]))
    assert not np.array_equal(control, drawn("no-dollars", ["x^2", "bell\\x07"]))


def test_other_formats_are_written_and_unknown_ones_refused(tmp_path) -> None:
    images = np.zeros((2, 8, 8, 1), np.uint8)
    with Image.open(draw_grid(tmp_path / "g.jpg", images, ["a", "b"], "jpeg")) as im:
        assert im.format == "JPEG"
    assert "<svg" in draw_grid(tmp_path / "g.svg", images, ["a", "b"], "svg").read_text()
    with pytest.raises(InvalidOptionError, match=r"Cannot choose the picture format of .*\.xyz"):
        draw_grid(tmp_path / "g.xyz", images, ["a", "b"], "unknown")
