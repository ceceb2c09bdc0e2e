"""Saliency maps: shape and sign, targets, each method against a plain computation, the
refusals, the picture and the ``kerazoo look saliency`` command."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from matplotlib.image import imread

import kerazoo
from kerazoo._cli import main
from kerazoo._errors import DataError, IncompatibleError, InvalidOptionError, UnknownNameError
from kerazoo._task import InputSpec, Task
from kerazoo.interpret import _probe as probe
from kerazoo.interpret._attribution import SALIENCY_METHODS, saliency
from kerazoo.interpret._saliency_picture import draw_saliency
from kerazoo.saving._info import ModelInfo


@pytest.fixture(scope="module")
def samples(shapes_model):
    """Six fresh 32x32 shapes with masks, from the trained model's own dataset."""
    return probe.model_samples(ModelInfo.of(shapes_model), 6, seed=3)


def _logits(model, images) -> np.ndarray:
    net = probe.layer_model(model, ["logits"], start="float")
    out = net(probe.float_images(images, ModelInfo.of(model)), training=False)
    return keras.ops.convert_to_numpy(out[0] if isinstance(out, list) else out)


@pytest.mark.parametrize("method", SALIENCY_METHODS)
def test_maps_are_non_negative_finite_input_sized_and_not_flat(shapes_model, samples, method):
    maps = saliency(shapes_model, samples.images, method)
    assert maps.shape == (6, 32, 32) and maps.dtype == np.float32
    assert np.all(np.isfinite(maps)) and maps.min() >= 0
    assert all(m.max() > m.min() for m in maps), "a flat map explains nothing"


def test_target_defaults_to_the_predicted_class(shapes_model, samples):
    predicted = _logits(shapes_model, samples.images).argmax(1)
    default = saliency(shapes_model, samples.images, "gradients")
    np.testing.assert_allclose(
        default, saliency(shapes_model, samples.images, "gradients", target=predicted.tolist())
    )
    names = ModelInfo.of(shapes_model).task.class_names
    by_name = [names[k] for k in predicted]
    np.testing.assert_allclose(
        default, saliency(shapes_model, samples.images, "gradients", target=by_name)
    )
    other = saliency(shapes_model, samples.images, "gradients", target=((predicted + 1) % 3))
    assert not np.allclose(default, other)


def test_a_target_out_of_range_is_refused_with_the_classes(shapes_model, samples):
    with pytest.raises(InvalidOptionError, match=r"got 7\. Valid classes: 0 \(circle\), 1"):
        saliency(shapes_model, samples.images, target=7)
    with pytest.raises(InvalidOptionError, match=r"one per image \(6\); got 2 classes\."):
        saliency(shapes_model, samples.images, target=[0, 1])


def test_unknown_method_is_refused_with_a_suggestion(shapes_model, samples):
    with pytest.raises(InvalidOptionError, match=r"Did you mean 'gradcam'\? Valid: gradients"):
        saliency(shapes_model, samples.images, "gradcams")


def test_gradients_match_finite_differences_of_the_score(shapes_model):
    # noise images: on the flat shapes, max-pooling ties and ReLUs sit exactly on their kinks,
    # where a gradient is one of several one-sided slopes
    images = np.random.default_rng(0).integers(0, 256, (2, 32, 32, 1), dtype=np.uint8)
    maps = saliency(shapes_model, images, "gradients")
    net = probe.layer_model(shapes_model, ["logits"], start="float")
    x = probe.float_images(images, ModelInfo.of(shapes_model))
    predicted = _logits(shapes_model, images).argmax(1)
    eps = 1e-3
    for i in range(2):
        strongest = np.unravel_index(np.argsort(maps[i], axis=None)[-4:], (32, 32))
        for y, xx in zip(*strongest, strict=True):
            up, down = x[i : i + 1].copy(), x[i : i + 1].copy()
            up[0, y, xx, 0] += eps
            down[0, y, xx, 0] -= eps
            out = keras.ops.convert_to_numpy(net(np.concatenate([up, x[i : i + 1], down])))
            score = out[:, predicted[i]]
            # a step may cross a ReLU's kink or a pooling switch: the gradient is then one of
            # the one-sided slopes, not their mean
            slopes = [(score[0] - score[2]) / (2 * eps), (score[0] - score[1]) / eps]
            slopes.append((score[1] - score[2]) / eps)
            assert any(abs(s) == pytest.approx(maps[i, y, xx], rel=0.03) for s in slopes), (
                i,
                y,
                xx,
                maps[i, y, xx],
                slopes,
            )


def test_batches_do_not_change_the_maps(shapes_model, samples):
    for method, options in [("gradients", {}), ("smoothgrad", {"samples": 4})]:
        two = saliency(shapes_model, samples.images, method, batch_size=2, **options)
        all_ = saliency(shapes_model, samples.images, method, batch_size=128, **options)
        np.testing.assert_allclose(two, all_, rtol=1e-4, atol=1e-6 * all_.max())


def test_smoothgrad_is_seeded_and_without_noise_is_the_gradient(shapes_model, samples):
    x = samples.images
    a = saliency(shapes_model, x, "smoothgrad", seed=5, samples=8)
    np.testing.assert_array_equal(a, saliency(shapes_model, x, "smoothgrad", seed=5, samples=8))
    assert not np.allclose(a, saliency(shapes_model, x, "smoothgrad", seed=6, samples=8))
    np.testing.assert_allclose(
        saliency(shapes_model, x, "smoothgrad", samples=1, noise=0.0),
        saliency(shapes_model, x, "gradients"),
        rtol=1e-5,
    )
    with pytest.raises(InvalidOptionError, match=r"noise=1\.5 is the noise's standard"):
        saliency(shapes_model, x, "smoothgrad", noise=1.5)


def test_occlusion_matches_a_plain_loop_on_a_tiny_image():
    ds = kerazoo.get_dataset("shapes", size=16)
    model = kerazoo.build("lenet", ds)
    images = ds.generate(2, seed=0).images
    maps = saliency(model, images, "occlusion", target=[0, 2], patch=5, stride=4)
    net = probe.layer_model(model, ["logits"], start="float")
    x = images.astype(np.float32) / 255
    total, count = np.zeros((2, 16, 16)), np.zeros((16, 16))
    for y in (0, 4, 8, 11):  # stride 4, and the last start that reaches the edge
        for xx in (0, 4, 8, 11):
            hidden = x.copy()
            hidden[:, y : y + 5, xx : xx + 5] = x.mean(axis=(1, 2, 3))[:, None, None, None]
            before = keras.ops.convert_to_numpy(net(x))[[0, 1], [0, 2]]
            after = keras.ops.convert_to_numpy(net(hidden))[[0, 1], [0, 2]]
            total[:, y : y + 5, xx : xx + 5] += (before - after)[:, None, None]
            count[y : y + 5, xx : xx + 5] += 1
    np.testing.assert_allclose(maps, np.maximum(total / count, 0), rtol=1e-4, atol=1e-5)
    with pytest.raises(InvalidOptionError, match=r"patch=17 is larger than the 16x16 images"):
        saliency(model, images, "occlusion", patch=17)


def test_gradcam_on_a_layer_named_by_the_user(shapes_model, samples):
    default = saliency(shapes_model, samples.images, "gradcam")
    np.testing.assert_allclose(
        default, saliency(shapes_model, samples.images, "gradcam", layer="conv2")
    )
    early = saliency(shapes_model, samples.images, "gradcam", layer="conv1")
    assert early.shape == (6, 32, 32) and early.min() >= 0 and np.all(np.isfinite(early))
    assert not np.allclose(early, default)


def test_gradcam_refuses_a_layer_without_a_4d_output(shapes_model, samples):
    with pytest.raises(
        IncompatibleError, match=r"4-D output.*layer='dense1'.*conv1, pool1, conv2, pool2\."
    ):
        saliency(shapes_model, samples.images, "gradcam", layer="dense1")
    with pytest.raises(UnknownNameError, match=r"Unknown layer 'conv3'.*Did you mean"):
        saliency(shapes_model, samples.images, "gradcam", layer="conv3")


def test_gradcam_refuses_a_layer_the_score_does_not_follow_from_alone():
    pixels = keras.Input((8, 8, 1), dtype="uint8", name="pixels")
    x = keras.layers.Rescaling(1 / 255, name="rescale")(pixels)
    a = keras.layers.Conv2D(2, 3, padding="same", name="c1")(x)
    b = keras.layers.Conv2D(2, 3, padding="same", name="c2")(a)
    out = keras.layers.Dense(2, name="logits")(keras.layers.Flatten()(keras.layers.Add()([a, b])))
    model = keras.Model(pixels, out)
    ModelInfo(Task.classification(["a", "b"]), InputSpec(8, 8, 1)).attach(model)
    images = np.zeros((1, 8, 8, 1), np.uint8)
    with pytest.raises(IncompatibleError, match=r"computed from layer='c2' alone.*skip conn"):
        saliency(model, images, "gradcam", layer="c2")


def test_binary_models_explain_the_logit_or_its_negative():
    ds = kerazoo.get_dataset("shapes", size=16, classes="circle,square")
    model = kerazoo.build("lenet", ds, encoding="binary")
    images = ds.generate(3, seed=0).images
    one, zero = (saliency(model, images, "gradients", target=t) for t in (1, 0))
    np.testing.assert_allclose(one, zero)  # the gradient's magnitude, either sign
    logit = _logits(model, images)[:, 0]
    cams = saliency(model, images, "gradcam")
    predicted = np.where(logit > 0, 1, 0)
    np.testing.assert_allclose(cams, saliency(model, images, "gradcam", target=predicted))


def test_regression_models_explain_their_value_and_take_no_target():
    ds = kerazoo.get_dataset("circles", size=16, max_radius=3, max_count=3, target="count")
    model = kerazoo.build("lenet", ds)
    images = ds.generate(2, seed=0).images
    assert saliency(model, images, "gradients").shape == (2, 16, 16)
    with pytest.raises(InvalidOptionError, match=r"regression model has one output.*target=1"):
        saliency(model, images, target=1)


def test_draw_saliency_writes_a_grid_with_a_column_per_method(shapes_model, samples, tmp_path):
    images, masks = samples.images, samples.masks
    path = draw_saliency(shapes_model, images, tmp_path / "s.png", masks=masks)
    two = draw_saliency(
        shapes_model, images, tmp_path / "two.png", ["gradcam", "gradients"], masks=masks
    )
    big, small = imread(path), imread(two)
    # same rows; the narrower grid may wrap its heading onto one more line
    assert abs(big.shape[0] - small.shape[0]) <= 20 and big.shape[1] > small.shape[1] + 200
    with pytest.raises(DataError, match=r"masks must be \[N, H, W\] = \(6, 32, 32\)"):
        draw_saliency(shapes_model, images, tmp_path / "m.png", masks=masks[:3])
    assert big[..., :3].std() > 0.1  # drawn, not blank
    with pytest.raises(InvalidOptionError, match="Unknown method 'gradcams'"):
        draw_saliency(shapes_model, samples.images, tmp_path / "x.png", methods=["gradcams"])
    assert not (tmp_path / "x.png").exists()


def test_a_linear_mse_head_is_captioned_with_its_score(tmp_path) -> None:
    """A head trained by MSE emits scores, not logits: the caption shows the score."""
    import matplotlib

    from tests.fixtures.tiny_data import Bars

    model = kerazoo.build("lenet", Bars(), loss="mse")
    images = Bars().generate(2, seed=1).images
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # captions as <text>, readable here
        svg = draw_saliency(model, images, tmp_path / "s.svg", ["gradients"]).read_text()
    scores = np.asarray(model.predict(images, verbose=0))
    names = ModelInfo.of(model).task.class_names
    for row in scores:
        assert f"{names[row.argmax()]} score {row.max():.2f}" in svg, svg
    assert "%" not in svg


def test_look_saliency_writes_the_picture(shapes_run, tmp_path, capsys):
    out = tmp_path / "sal.png"
    args = ["look", "saliency", str(shapes_run), "--method", "gradcam", "--method", "gradients"]
    assert main([*args, "--count", "2", "--out", str(out)]) == 0
    assert out.is_file() and f"wrote {out}" in capsys.readouterr().out


def test_look_saliency_score_prints_the_table(shapes_run, tmp_path, capsys):
    out = tmp_path / "scored.png"
    args = ["look", "saliency", str(shapes_run), "--method", "gradcam", "--score"]
    assert main([*args, "--count", "6", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "saliency score on 6 fresh samples of 'shapes'" in text
    header, row = text.splitlines()[1:3]
    assert header.split()[:4] == ["method", "pointing", "(uniform)", "(centre)"]
    assert header.split()[-1] == "check"
    name, *cells = row.split()
    numbers, verdict = cells[:10], cells[10]  # then the failed checks, if any
    assert name == "gradcam" and verdict in ("passes", "FAILS"), row
    assert all(-1 <= float(v) <= 1 for v in numbers) and out.is_file()
    assert "Grad-CAM per layer (pointing game / share inside mask): conv1" in text
    assert "localises best: conv" in text and "checked 6 images in" in text


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--method", "gradcams"], "Did you mean --method gradcam?"),
        (["--method", "gradcam", "--layer", "dense1"], "--layer dense1 outputs shape"),
        (["--score", "--image", "x.png"], "--score needs the objects' masks"),
    ],
)
def test_look_saliency_refusals_speak_in_flags(shapes_run, capsys, extra, message):
    assert main(["look", "saliency", str(shapes_run), "--count", "1", *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kerazoo look: error:") and message in err
