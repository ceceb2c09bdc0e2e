"""Activation maximisation on the LeNet trained on 32x32 shapes (white shapes on black): the
images it finds, the batch against one filter at a time, the regularisers, the dataset
images that excite each filter most, and ``kerazoo look maximize``."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest

import kerazoo
from kerazoo._cli import main
from kerazoo._errors import IncompatibleError, InvalidOptionError, UnknownNameError
from kerazoo.interpret import _maximize as mx, _probe as probe
from kerazoo.interpret._maximize_draw import draw_classes

OFF = mx.Regularizers(jitter=0, l2=0, tv=0, blur_every=None)
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def data(shapes_model):
    """Fresh samples (not the training images), their mean image, and two kinds of noise."""
    info = kerazoo.ModelInfo.of(shapes_model)
    images = probe.model_samples(info, 256, seed=5).images
    rng = np.random.default_rng(7)

    def noise(level: float) -> np.ndarray:
        x = np.clip(level + 0.05 * rng.standard_normal((1, 32, 32, 1)), 0, 1)
        return np.round(x * 255).astype(np.uint8)

    return {
        "images": images,
        "mean": np.round(images.mean(axis=0, keepdims=True)).astype(np.uint8),
        "noise": noise(images.mean() / 255),  # at the data's mean brightness
        "grey": noise(0.5),  # like the ascent's start
    }


def _report(**rows: np.ndarray) -> str:
    show = lambda v: np.array2string(v, precision=2, max_line_width=200)  # noqa: E731
    return "\n".join(f"{name:>9}: {show(v)}" for name, v in rows.items())


def test_the_ascent_excites_each_filter_5x_more_than_noise_and_the_mean_image(
    shapes_model, data
) -> None:
    """All 16 filters of conv2 (alive: each fires on some dataset image), regularisers off:
    what the gradient ascent itself reaches.

    The noise is at the data's mean brightness, where the model's normalisation puts zero
    ("no signal"). Against mid-grey noise (printed) the 5x bar does not hold, and cannot:
    half of conv2's filters sum brightness, a ReLU network is close to proportional to its
    normalised input, and white is only (1 - 0.2) / (0.5 - 0.2) = 2.7x grey there.
    """
    acts = lambda x: mx.mean_activations(shapes_model, "conv2", x)  # noqa: E731
    images = mx.maximize_filters(
        shapes_model, "conv2", steps=400, lr=0.03, regularizers=OFF, param="pixel"
    )
    reached = acts(images)[np.arange(16), np.arange(16)]
    alive = acts(data["images"]).max(axis=0) > 0
    noise, mean, grey = acts(data["noise"])[0], acts(data["mean"])[0], acts(data["grey"])[0]
    with np.errstate(divide="ignore"):  # a filter silent on the noise: an infinite ratio
        ratios = {"x noise": reached / noise, "x mean": reached / mean, "x grey": reached / grey}
    text = _report(reached=reached, noise=noise, mean=mean, grey=grey, **ratios)
    assert images.shape == (16, 32, 32, 1) and images.dtype == np.uint8
    assert alive.all(), text
    assert (reached[alive] >= 5 * noise[alive]).all(), text
    assert (reached[alive] >= 5 * mean[alive]).all(), text


def test_the_default_pictures_excite_each_filter_more_than_any_dataset_image(
    shapes_model, data
) -> None:
    """With the regularisers on (they trade activation for readable pictures), every
    filter's image still beats all 256 dataset images, and the noise 5x."""
    images = mx.maximize_filters(shapes_model, "conv2", param="pixel")
    reached = mx.mean_activations(shapes_model, "conv2", images)[np.arange(16), np.arange(16)]
    best = mx.mean_activations(shapes_model, "conv2", data["images"]).max(axis=0)
    noise = mx.mean_activations(shapes_model, "conv2", data["noise"])[0]
    text = _report(reached=reached, best_data=best, noise=noise)
    assert (reached > best).all(), text
    assert (reached >= 5 * noise).all(), text


def test_the_batch_gives_the_same_images_as_one_filter_at_a_time(shapes_model) -> None:
    batch = mx.maximize_filters(shapes_model, "conv2", steps=60, seed=3)
    for f in (4, 13):
        alone = mx.maximize_filters(shapes_model, "conv2", [f], steps=60, seed=3)[0]
        diff = np.abs(batch[f].astype(int) - alone.astype(int))
        assert (diff > 2).mean() <= 0.01, f"filter {f}: max diff {diff.max()}, mean {diff.mean()}"


def test_each_class_image_is_classified_as_its_class(shapes_model, tmp_path) -> None:
    names = kerazoo.ModelInfo.of(shapes_model).task.class_names
    images = mx.maximize_classes(shapes_model)
    logits = np.asarray(shapes_model.predict(images, verbose=0), np.float64)  # it emits logits
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    assert p.argmax(axis=1).tolist() == list(range(len(names))), p
    # the default fft ascent optimises the images under random shifts, zooms and rotations,
    # so the untransformed image is not the most extreme one: 0.977 for one class on JAX
    assert (p.max(axis=1) > 0.95).all(), p
    assert mx.maximize_classes(shapes_model, ["square"], steps=0).shape == (1, 32, 32, 1)
    path = draw_classes(shapes_model, tmp_path / "classes.png", images=images)
    assert path.read_bytes().startswith(PNG)


def test_a_linear_mse_head_is_titled_with_its_scores_not_probabilities(tmp_path) -> None:
    """A head trained by MSE on one-hot targets emits scores: a softmax of them is no
    probability the model ever gave, so the tiles show the score itself."""
    import matplotlib

    from tests.fixtures.tiny_data import Bars

    model = kerazoo.build("lenet", Bars(), loss="mse")
    images = np.full((3, *model.input_shape[1:]), 128, np.uint8)
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # titles as <text>, readable here
        svg = draw_classes(model, tmp_path / "classes.svg", images=images).read_text()
    scores = np.asarray(model.predict(images, verbose=0))[np.arange(3), np.arange(3)]
    for value in scores:
        assert f"score={value:.2f}" in svg, svg
    assert "p=" not in svg and "probability" not in svg


def test_a_classifier_without_convolutions_has_its_classes_maximised() -> None:
    """An MLP has no maps to compare images by: its class images come without the
    diversity term, not with an error about convolutions."""
    mlp = kerazoo.build("mlp", kerazoo.get_dataset("shapes", size=16), seed=0)
    assert mx.maximize_classes(mlp, steps=2).shape == (3, 16, 16, 1)
    assert mx.maximize_classes(mlp, ["square"], steps=2, count=2).shape == (2, 16, 16, 1)


def test_regularisers_switch_off_and_seeds_repeat(shapes_model) -> None:
    run = lambda **kw: mx.maximize_filters(  # noqa: E731
        shapes_model, "conv2", [0, 5], steps=12, param="pixel", **kw
    )
    off = run(regularizers=OFF)
    assert off.shape == (2, 32, 32, 1) and mx.Regularizers().active() == (
        "jitter",
        "l2",
        "tv",
        "blur",
    )
    assert OFF.active() == ()
    assert np.array_equal(run(seed=1), run(seed=1))
    assert not np.array_equal(run(seed=1), run(seed=2))
    jitter_only = mx.Regularizers(jitter=2, l2=0, tv=0, blur_every=None)
    assert not np.array_equal(run(regularizers=jitter_only), off)
    with pytest.raises(InvalidOptionError, match=r"Regularizers.jitter must be 0 or more.*-1"):
        mx.Regularizers(jitter=-1)
    with pytest.raises(InvalidOptionError, match=r"l2 below 1"):
        mx.Regularizers(l2=1.0)


def test_top_images_excite_their_filter_more_than_the_rest(shapes_model, data) -> None:
    images = data["images"][:64]
    order, scores = mx.top_images(shapes_model, "conv2", images, k=5, filters=[1, 3, 10])
    acts = mx.mean_activations(shapes_model, "conv2", images)[:, [1, 3, 10]].T
    assert order.shape == scores.shape == (3, 5)
    for row, top, score in zip(acts, order, scores, strict=True):
        assert np.allclose(row[top], score) and (np.diff(score) <= 0).all()
        assert score[-1] >= np.delete(row, top).max() and score[0] > np.median(row)
    with pytest.raises(InvalidOptionError, match=r"k=65 asks for the top 65 of 64 images"):
        mx.top_images(shapes_model, "conv2", images, k=65)


def test_dense_units_are_filters_too(shapes_model, data) -> None:
    # the two units the shapes excite most: a ReLU unit no image excites (dead) has no
    # gradient to climb, and which units die depends on the backend's initial weights
    alive = mx.mean_activations(shapes_model, "dense1", data["images"]).mean(axis=0)
    chosen = [int(u) for u in np.argsort(alive)[-2:]]
    units = mx.maximize_filters(shapes_model, "dense1", chosen, steps=40)
    reached = mx.mean_activations(shapes_model, "dense1", units)[[0, 1], chosen]
    noise = mx.mean_activations(shapes_model, "dense1", data["noise"])[0, chosen]
    assert units.shape == (2, 32, 32, 1) and (reached > 5 * noise).all(), (reached, noise)


def test_wrong_layers_filters_classes_and_steps_are_refused(shapes_model) -> None:
    with pytest.raises(UnknownNameError, match=r"Unknown layer 'conv9'.*'conv2'.*Valid: norm"):
        mx.maximize_filters(shapes_model, "conv9")
    with pytest.raises(IncompatibleError, match=r"'pixels' \(InputLayer.*no filters.*conv1"):
        mx.maximize_filters(shapes_model, "pixels")
    with pytest.raises(
        InvalidOptionError, match=r"Filter 16 is not a filter of .*'conv2'.*0 to 15"
    ):
        mx.maximize_filters(shapes_model, "conv2", [0, 16])
    with pytest.raises(UnknownNameError, match=r"Unknown class 'sqare'.*'square'"):
        mx.maximize_classes(shapes_model, ["sqare"])
    with pytest.raises(InvalidOptionError, match=r"Class 3 is out of range.*circle, square"):
        mx.maximize_classes(shapes_model, [3])
    with pytest.raises(InvalidOptionError, match=r"steps=-1"):
        mx.maximize_filters(shapes_model, "conv1", steps=-1)
    counter = kerazoo.build("lenet", kerazoo.get_dataset("circles", size=32, target="count"))
    with pytest.raises(IncompatibleError, match=r"regression task: it has no classes"):
        mx.maximize_classes(counter)


def test_cli_writes_the_filters_and_classes_beside_the_model(shapes_run, tmp_path, capsys):
    shutil.copy(shapes_run / "model.keras", tmp_path / "model.keras")
    assert main(["look", "maximize", str(tmp_path / "model.keras"), "--steps", "3"]) == 0
    out = capsys.readouterr().out
    for name in ("maximize-conv2.png", "maximize-classes.png"):
        assert (tmp_path / name).read_bytes().startswith(PNG) and name in out
    jpg = tmp_path / "x.jpg"  # both pictures in the format the --out name asks for
    assert main(["look", "maximize", str(shapes_run), "--steps", "2", "--out", str(jpg)]) == 0
    for name in ("x.jpg", "x-classes.jpg"):
        assert (tmp_path / name).read_bytes()[:3] == b"\xff\xd8\xff", name


def test_cli_skips_the_classes_of_a_model_without_classes(tmp_path, capsys) -> None:
    counter = kerazoo.build("lenet", kerazoo.get_dataset("circles", size=32, target="count"))
    path = kerazoo.save_model(counter, tmp_path / "counter.keras")
    assert main(["look", "maximize", str(path), "--steps", "2", "--filters", "0"]) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "maximize-conv2.png").exists() and "regression model has no classes" in out
    assert "2 steps from seed 0; parametrisation fft" in out


def test_cli_one_layer_and_the_top_images(shapes_run, tmp_path, capsys) -> None:
    one = tmp_path / "conv1.png"
    args = ["--layer", "conv1", "--filters", "0,2", "--steps", "3", "--out", str(one)]
    off = ["--param", "pixel", "--no-jitter", "--no-l2", "--no-tv", "--no-blur"]
    assert main(["look", "maximize", str(shapes_run), *args, *off]) == 0
    top = tmp_path / "top.png"
    args = ["--top", "3", "--samples", "12", "--filters", "0,1", "--out", str(top)]
    assert main(["look", "maximize", str(shapes_run), *args]) == 0
    out = capsys.readouterr().out
    assert one.read_bytes().startswith(PNG) and top.read_bytes().startswith(PNG)
    assert f"wrote {one}" in out and f"wrote {top}" in out and "regularisers: none" in out
    assert not (tmp_path / "conv1-classes.png").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--layer", "conv9"], r"Unknown layer 'conv9'.*Did you mean --layer conv2"),
        (["--filters", "0,16"], r"Filter 16 is not a filter.*Give --filters indices from 0 to 15"),
        (["--filters", "a"], r"--filters takes indices separated by commas.*got 'a'"),
        (["--top", "50", "--samples", "10"], r"--top 50 asks for the top 50 of 10 images"),
        (["--classes", "--top", "3"], r"--top shows the dataset images.*--classes"),
    ],
)
def test_cli_errors_speak_in_flags(shapes_run, capsys, args, message) -> None:
    assert main(["look", "maximize", str(shapes_run), "--steps", "1", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kerazoo look: error: ")
    assert re.search(message, err), err
