"""``--param maco``: class images whose spectrum keeps the magnitude of the model's training
images (only the phase is optimised), the class images' default for a model whose dataset
is recorded."""

from __future__ import annotations

import numpy as np
import pytest

import kerazoo
from kerazoo._cli import main
from kerazoo._errors import IncompatibleError
from kerazoo.interpret import _maximize as mx
from kerazoo.interpret._param import Phase
from kerazoo.interpret._probe import model_samples
from tests.fixtures.tiny_models import classifier, meta_for


def test_class_images_default_to_maco_and_keep_the_datas_brightness(random_model) -> None:
    images = mx.maximize_classes(random_model, steps=10, count=2)
    assert np.array_equal(
        images, mx.maximize_classes(random_model, steps=10, count=2, param="maco")
    )
    data = model_samples(kerazoo.ModelInfo.of(random_model), 256, seed=0).images
    # a dark ground with bright shapes, as the data: fft starts from mid-grey
    assert abs(images.mean() - data.mean()) < 0.1 * 255, (images.mean(), data.mean())
    fft = mx.maximize_classes(random_model, steps=10, count=2, param="fft")
    assert abs(fft.mean() - data.mean()) > abs(images.mean() - data.mean())
    assert not np.array_equal(images[0], images[1])  # two starts, two images


def test_the_fixed_magnitude_is_the_datas_mean_spectrum() -> None:
    images = np.random.default_rng(0).integers(0, 256, (70, 6, 5, 3), dtype=np.uint8)
    phase = Phase.of(images)
    x = np.transpose(images / 255.0, (0, 3, 1, 2))
    expected = np.abs(np.fft.fft2(x)).mean(axis=0) * np.sqrt(2)
    assert phase.magnitude.shape == (3, 6, 5)
    assert np.allclose(phase.magnitude, expected, rtol=1e-5)
    assert phase.mean == pytest.approx(x.mean())


def test_the_default_line_names_both_parametrisations(shapes_run, tmp_path, capsys) -> None:
    out = tmp_path / "m.png"
    assert main(["look", "maximize", str(shapes_run), "--steps", "2", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "filters: parametrisation fft (1/f spectrum" in printed, printed
    assert "classes: parametrisation maco (phase, the training images' magnitude" in printed


def test_maco_needs_the_models_dataset_and_the_default_falls_back(tmp_path) -> None:
    meta = meta_for()
    del meta["dataset"]  # a model described without the data it was trained on
    path = kerazoo.save_model(classifier(), tmp_path / "m.keras", meta)
    with pytest.raises(
        IncompatibleError,
        match=r"^param='maco' keeps the magnitude spectrum of the model's training images, "
        r"and the model's metadata names no dataset\. Use param='fft' for this model\.$",
    ):
        mx.maximize_classes(path, steps=1, param="maco")
    assert mx.maximize_classes(path, steps=1).shape == (3, 8, 8, 1)  # fft
