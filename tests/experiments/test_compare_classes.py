"""``classes.png`` of a comparison: per variant, the image that maximises each class's logit,
one column per class (the same ascent as ``kerazoo look maximize --classes``).

The picture itself is drawn from untrained models (quick); the comparisons that train are
marked slow: a classifier without convolutions (no ``inside.png``, said so), a regression
and a reconstruction (no ``classes.png``, said so).
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from PIL import Image

import kerazoo
from kerazoo._cli import main
from kerazoo._errors import InvalidOptionError
from kerazoo.experiments._compare import compare
from kerazoo.experiments._compare_classes import CLASSES_SHOWN, class_tiles, draw_classes
from kerazoo.experiments._compare_table import Table

TINY = {"epochs": 1, "train_size": 64, "val_size": 32, "test_size": 32, "batch_size": 32}
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Untrained LeNets on 16x16 shapes: three classes, and four (star added)."""
    folder = tmp_path_factory.mktemp("models")
    made = {}
    for name, classes in (("baseline", None), ("4 classes", "circle,square,triangle,star")):
        data = kerazoo.get_dataset("shapes", size=16, **({"classes": classes} if classes else {}))
        model = kerazoo.build("lenet", data, seed=0)
        made[name] = kerazoo.save_model(model, folder / f"{name}.keras")
    return made


def svg_text(path: Path) -> str:
    """The words of an SVG drawn with its text kept as text (``svg.fonttype: none``)."""
    return " ".join(re.sub(r"<[^>]+>", " ", path.read_text()).split())


def draw(models: dict[str, Path], path: Path, **kw) -> Path | None:
    table = Table("shapes", "lenet", "accuracy", True, "baseline")
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        return draw_classes(path, models, table, steps=4, **kw)


def test_one_row_per_variant_one_column_per_class(models, tmp_path) -> None:
    text = svg_text(draw(models, tmp_path / "classes.svg"))
    for word in ("circle", "square", "triangle", "star", "baseline", "4 classes"):
        assert word in text, word
    # every tile says how sure its own model is of the class; baseline has no star tile
    assert text.count("p=") == 3 + 4, text
    assert "blank: the variant has no such class" in text
    assert "4 steps of the maco ascent, as kerazoo look maximize --classes" in text


def test_the_tiles_are_the_images_look_maximize_classes_saves(models, tmp_path, capsys) -> None:
    """The same ascent as the command a user runs: its defaults, bit for bit."""
    made = class_tiles(models, steps=4)
    assert made.shown == ["circle", "square", "triangle", "star"] and made.total == 4
    assert made.params == ["maco"]  # the class images' default for a model of known data
    assert made.tiles["baseline"]["star"] is None
    saved = tmp_path / "saved"
    for name, file in models.items():
        args = ["look", "maximize", str(file), "--classes", "--steps", "4"]
        args += ["--save-images", str(saved / name), "--out", str(tmp_path / f"{name}.png")]
        assert main(args) == 0, capsys.readouterr().err
        for c in made.shown:
            tile = made.tiles[name][c]
            if tile is not None:
                image = np.asarray(Image.open(saved / name / c / "0.png"))
                assert np.array_equal(tile.image[..., 0], image), (name, c)
                assert re.fullmatch(r"p=[01]\.\d\d", tile.title), tile.title


def test_the_number_of_classes_shown_is_capped_and_said(models, tmp_path) -> None:
    assert CLASSES_SHOWN == 10
    text = svg_text(draw(models, tmp_path / "capped.svg", most=2))
    assert "the first 2 of 4 classes" in text, text
    assert "triangle" not in text and "star" not in text and text.count("p=") == 2 * 2
    wide = Image.open(draw(models, tmp_path / "all.png")).size[0]
    narrow = Image.open(draw(models, tmp_path / "two.png", most=2)).size[0]
    assert narrow < wide


def test_a_model_without_classes_draws_no_picture(tmp_path) -> None:
    counter = kerazoo.build(
        "lenet", kerazoo.get_dataset("circles", size=16, max_count=2, target="count")
    )
    path = kerazoo.save_model(counter, tmp_path / "counter.keras")
    assert draw({"baseline": path}, tmp_path / "none.png") is None
    assert not (tmp_path / "none.png").exists()


def test_negative_steps_are_refused_before_anything_trains(tmp_path, capsys) -> None:
    for name in ("classes_steps", "inside_steps"):
        with pytest.raises(InvalidOptionError, match=rf"{name}=-1: .*0 or more.*0 leaves out"):
            compare("shapes", "mlp", ["two: layers=1"], out=tmp_path / "c", **{name: -1})
    assert not (tmp_path / "c").exists()
    assert main(["compare", "shapes", "mlp", "--classes-steps", "-1", "--out", str(tmp_path)]) == 2
    assert "--classes-steps -1: " in capsys.readouterr().err


@pytest.mark.slow
def test_a_classifier_without_convolutions_gets_classes_but_no_inside(tmp_path, capsys) -> None:
    out = tmp_path / "c"
    done = compare(
        "shapes",
        "mlp",
        ["4 classes: classes=circle,square,triangle,star"],
        seeds=1,
        data={"size": 16},
        out=out,
        inside_steps=4,
        classes_steps=4,
        **TINY,
    )
    printed = capsys.readouterr().out
    assert (out / "classes.png").read_bytes().startswith(PNG)
    assert out / "classes.png" in done.files and not (out / "inside.png").exists()
    assert "No inside.png: the models have no convolution layer." in printed
    assert done.notes == ["No inside.png: the models have no convolution layer."]
    assert Image.open(out / "classes.png").size[1] > 2 * 90  # one row per variant


@pytest.mark.slow
@pytest.mark.parametrize(
    ("dataset", "arch", "data", "kind"),
    [
        ("circles", "lenet", {"size": 16, "max_count": 2, "target": "count"}, "regression"),
        ("polkadots", "autoencoder", {"size": 16, "min_radius": 2, "max_radius": 4}, "recon"),
    ],
    ids=["regression", "reconstruction"],
)
def test_a_task_without_classes_gets_no_classes_png_and_says_so(
    tmp_path, capsys, dataset, arch, data, kind
) -> None:
    out = tmp_path / "c"
    done = compare(
        dataset, arch, ["same: lr=0.001"], seeds=1, data=data, out=out, inside_steps=0, **TINY
    )
    printed = capsys.readouterr().out
    assert not (out / "classes.png").exists() and (out / "curves.png").is_file()
    task = "regression" if kind == "regression" else "reconstruction"
    note = f"No classes.png: a {task} task has no classes to maximise."
    assert note in printed and done.notes == [note]
