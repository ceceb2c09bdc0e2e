"""counter with detector=quads: 2x2 pattern counts that hold the count of any number of
circles, saved with stock layers only; counts from a folder named by count; evaluate on
counts never trained on."""

from __future__ import annotations

import json
from pathlib import Path

import keras
import numpy as np
import pytest

import kerazoo
from kerazoo import InvalidOptionError
from kerazoo.models._build import build
from tests.fixtures.processes import run_cli

#: The 6 features: (corners, diagonal, constant) with the frame off, then their change with
#: the frame on, in blobs (corner counts / 4). Euler number of 8-connected blobs:
#: corners - 2 diagonal.
EULER = np.array([1.0, -2.0, 0, 0, 0, 0])


def circles(**options):
    return kerazoo.get_dataset("circles", target="count", **options)


def set_count_weights(model, coef: np.ndarray, bias: float = 0.0) -> None:
    """Make the model output ``coef . pattern counts + bias`` (the head's range undone)."""
    head = model.get_layer("value_range")
    model.get_layer("pattern_weights").set_weights([coef[:, None]])
    model.get_layer("value").set_weights(
        [np.array([[1 / head.scale]]), np.array([(bias - head.offset) / head.scale])]
    )


@pytest.mark.parametrize(
    "drawing",
    [{}, {"foreground": 0, "background": 255}, {"min_radius": 0, "max_radius": 1}],
    ids=["light-on-dark", "dark-on-light", "radius-0-1"],
)
def test_the_euler_weights_count_exactly_at_any_count(drawing: dict) -> None:
    """With the Euler number's weights and a hard foreground (threshold at the mean pixel)
    45-50 circles are counted exactly, as 1-5 are: nothing depends on how many. (The
    initial slope leaves background p ~ 0.002 at 1-5 circles, ~0.1 in the count: training
    moves the threshold.)"""
    for counts in ((1, 5), (45, 50)):
        ds = circles(min_count=counts[0], max_count=counts[1], **drawing)
        model = build(kerazoo.get_architecture("counter", detector="quads"), ds)
        coef = EULER
        if drawing.get("background") == 255:  # the light background is one blob with holes
            coef = -np.concatenate([EULER[:3], EULER[:3]])
        set_count_weights(model, coef)
        model.get_layer("foreground").set_weights([np.full((1, 1, 1, 1), 1000.0), np.zeros(1)])
        data = ds.generate(100, seed=3)
        pred = model.predict(data.images, verbose=0).reshape(-1)
        assert np.abs(pred - data.labels).max() < 0.05, (counts, drawing)


def test_quads_layers_and_a_saved_model_loads_without_the_plugin(tmp_path: Path) -> None:
    ds = circles(size=24, min_count=1, max_count=3, min_radius=1, max_radius=2)
    model = build(kerazoo.get_architecture("counter", detector="quads"), ds)
    trainable = {w.path.split("/")[0] for w in model.trainable_weights}
    assert trainable == {"foreground", "pattern_weights", "value"}  # the patterns are fixed
    assert model.get_layer("pattern_counts").output.shape == (None, 6)
    assert model.get_layer("quad_patterns").output.shape == (None, 25, 25, 16)  # framed
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(
        path, compile=False, safe_mode=True
    )  # stock layers: no plugin code
    images = ds.generate(8, seed=0).images
    np.testing.assert_allclose(loaded.predict(images, verbose=0), model.predict(images, verbose=0))


def test_quads_hyperparameter_is_validated() -> None:
    with pytest.raises(InvalidOptionError, match="'detector'.*one of 'conv', 'quads'"):
        kerazoo.get_architecture("counter", detector="euler")


def test_training_on_few_counts_then_counting_more() -> None:
    """A short fit on 1-5 circles already counts 8-10 (never seen) far better than chance."""
    keras.utils.set_random_seed(0)
    small = {"size": 32, "min_radius": 1, "max_radius": 3}
    ds = circles(min_count=1, max_count=5, **small)
    train = ds.generate(1500, seed=0)
    model = build(kerazoo.get_architecture("counter", detector="quads"), ds, learning_rate=3e-2)
    model.fit(train.images, train.labels, batch_size=32, epochs=3, verbose=0)
    more = circles(min_count=8, max_count=10, **small).generate(200, seed=1)
    pred = model.predict(more.images, verbose=0).reshape(-1)
    assert np.mean(np.abs(pred - more.labels)) < 1.0, pred[:10]


# -- folder target=count and kerazoo evaluate --------------------------------------------


def export_counts(root: Path, n: int, **options) -> Path:
    """Circles exported as classes: one sub-folder per count, named by the count."""
    args = [
        f"--data={k}={v}"
        for k, v in {"size": 24, "min_radius": 1, "max_radius": 2, **options}.items()
    ]
    done = run_cli("data", "export", "circles", str(root), "--n", str(n), *args)
    assert done.returncode == 0, done.stderr
    return root


def test_folder_counts_as_a_regression(tmp_path: Path) -> None:
    root = export_counts(tmp_path / "counts", 40, min_count=2, max_count=4)
    ds = kerazoo.get_dataset("folder", path=str(root), size=24, channels=1, target="count")
    assert ds.task.kind == "regression" and ds.task.value_range == (2.0, 4.0)
    assert ds.task.integer
    data = ds.generate(40, seed=0)
    for img, label in zip(data.images, data.labels, strict=True):  # label = circles drawn
        assert 2 <= label <= 4 and img.max() == 255
    as_classes = kerazoo.get_dataset("folder", path=str(root), size=24)
    assert as_classes.task.class_names == ("2", "3", "4")


def test_folder_count_needs_numeric_folder_names(tmp_path: Path) -> None:
    from PIL import Image

    for name in ("3", "cats"):
        (tmp_path / name).mkdir()
        Image.new("L", (4, 4)).save(tmp_path / name / "a.png")
    with pytest.raises(InvalidOptionError, match=r"target=count .*'cats' .* not a number.*0, 1"):
        kerazoo.get_dataset("folder", path=str(tmp_path), target="count")


def test_train_on_a_count_folder_and_evaluate_on_more_circles(tmp_path: Path) -> None:
    """The command line end to end: export, train the counter on the folder for an epoch,
    evaluate on circles with counts it never saw (a regression summary)."""
    root = export_counts(tmp_path / "counts", 300, min_count=1, max_count=5)
    run = tmp_path / "run"
    done = run_cli(
        "train",
        "folder",
        "counter",
        "--data",
        f"path={root}",
        "--data",
        "size=24",
        "--data",
        "channels=1",
        "--data",
        "target=count",
        "--hp",
        "detector=quads",
        "--epochs",
        "1",
        "--train-size",
        "200",
        "--val-size",
        "50",
        "--test-size",
        "50",
        "--out",
        str(run),
    )
    assert done.returncode == 0, done.stderr
    saved = json.loads((run / "run.json").read_text())
    assert saved["status"] == "finished"
    done = run_cli(
        "evaluate",
        str(run),
        "circles",
        "--data",
        "min_count=8",
        "--data",
        "max_count=10",
        "--data",
        "target=count",
        "--data",
        "size=24",
        "--data",
        "min_radius=1",
        "--data",
        "max_radius=2",
        "-n",
        "50",
    )
    assert done.returncode == 0, done.stderr
    assert "mae" in done.stdout.lower(), done.stdout
    # a folder of numbered sub-folders is read as counts for a counting model, unasked
    again = run_cli("evaluate", str(run), str(root), "-n", "40")
    assert again.returncode == 0, again.stderr
    assert "exact" in again.stdout.lower(), again.stdout
