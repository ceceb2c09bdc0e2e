"""kerazoo.evaluate and evaluate_samples on real tiny models: the numbers match a direct
numpy computation from model.predict, the pictures are written, shifted data is measured
against the in-distribution reference, and wrong data is refused with the fix."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import kerazoo
from kerazoo.data._export import export_samples
from kerazoo.evaluation._evaluate import evaluate
from kerazoo.evaluation._score import evaluate_samples
from tests.evaluation.conftest import COUNTS, DOTS, SHAPES


def _loaded(run: Path):
    model, _ = kerazoo.load_model(run / "model.keras", compile=False)
    return model, kerazoo.ModelInfo.of(model)


def _pictures_ok(result, names: set[str]) -> None:
    assert set(result.pictures) == names
    for path in result.pictures.values():
        with Image.open(path) as im:
            assert im.format == "PNG" and im.width >= 400 and im.height >= 250, (path, im.size)


def test_classification_matches_numpy_and_writes_pictures(shapes_run, tmp_path) -> None:
    model, info = _loaded(shapes_run)
    samples = kerazoo.get_dataset("shapes", **SHAPES).generate(300, seed=5)
    result = evaluate_samples(model, info, samples, out=tmp_path)
    logits = np.asarray(model.predict(samples.images, verbose=0), np.float64)
    probs = np.exp(logits - logits.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    labels = samples.labels
    assert result.metrics["accuracy"] == pytest.approx(np.mean(probs.argmax(1) == labels))
    loss = -np.log(np.clip(probs[np.arange(300), labels], 1e-7, 1)).mean()
    assert result.metrics["cross_entropy"] == pytest.approx(loss, rel=1e-4)
    counts = np.array(result.confusion)
    assert counts.sum() == 300 and counts.trace() == round(result.metrics["accuracy"] * 300)
    assert [c["support"] for c in result.per_class.values()] == np.bincount(labels).tolist()
    _pictures_ok(result, {"confusion", "top_losses", "samples"})
    written = json.loads((tmp_path / "metrics.json").read_text())
    assert written == result.to_dict()
    assert written["split"] == "test" and written["dataset"]["name"] == "shapes"
    assert all(type(c["support"]) is int for c in written["per_class"].values())  # counts
    assert written["pictures"]["confusion"] == "confusion.png"


def test_one_thousand_images_take_one_quick_pass(shapes_run) -> None:
    model, info = _loaded(shapes_run)
    samples = kerazoo.get_dataset("shapes", **SHAPES).generate(1000, seed=6)
    evaluate_samples(model, info, samples.take(slice(0, 10)))  # trace the model once
    start = time.perf_counter()
    result = evaluate_samples(model, info, samples)
    assert result.n == 1000
    assert time.perf_counter() - start < 20  # measured 0.1-0.3 s on 2 shared CPU cores


def test_regression_matches_numpy(count_run, tmp_path) -> None:
    model, info = _loaded(count_run)
    samples = kerazoo.get_dataset("circles", **COUNTS).generate(200, seed=5)
    result = evaluate_samples(model, info, samples, out=tmp_path)
    raw = np.asarray(model.predict(samples.images, verbose=0), np.float64).reshape(-1)
    error = raw - samples.labels
    assert result.kind == "regression"
    assert result.metrics["mae"] == pytest.approx(np.abs(error).mean(), rel=1e-5)
    assert result.metrics["rmse"] == pytest.approx(np.sqrt((error**2).mean()), rel=1e-5)
    exact = np.mean(np.clip(np.round(raw), 0, None) == samples.labels)  # never clipped to 1-5
    assert result.metrics["exact"] == pytest.approx(exact)
    _pictures_ok(result, {"predicted_vs_true", "top_losses", "samples"})


def test_reconstruction_matches_numpy(dots_run, tmp_path) -> None:
    model, info = _loaded(dots_run)
    samples = kerazoo.get_dataset("polkadots", **DOTS).generate(100, seed=5)
    result = evaluate_samples(model, info, samples, out=tmp_path, top=5)
    out = np.asarray(model.predict(samples.images, verbose=0), np.float64)
    out = np.clip(np.round(out * 255), 0, 255)  # the uint8 image the Predictor returns
    per_image = (((out - samples.images) / 255.0) ** 2).reshape(100, -1).mean(1)
    assert result.metrics["mse"] == pytest.approx(per_image.mean(), rel=1e-5)
    assert result.metrics["worst_mse"] == pytest.approx(per_image.max(), rel=1e-5)
    _pictures_ok(result, {"reconstructions"})


def test_own_data_by_default_with_a_fresh_seed(shapes_run) -> None:
    result = evaluate(shapes_run, n=80)
    assert result.reference is None and result.n == 80
    assert result.dataset == {"name": "shapes", "options": result.dataset["options"], "seed": 1}
    assert result.label == "shapes(size=32)" and result.split == "fresh"
    assert result.pictures == {} and result.folder is None


def test_other_options_are_a_shift_with_a_reference(shapes_run, tmp_path) -> None:
    result = evaluate(
        shapes_run / "model.keras", "shapes", options={"noise": 0.3}, n=120, out=tmp_path
    )
    ref = result.reference
    assert result.label == "shapes(noise=0.3)" and result.dataset["options"]["noise"] == 0.3
    assert ref is not None and ref.n == 120 and ref.label == "shapes(size=32)"
    assert ref.metrics == evaluate(shapes_run, n=120).metrics  # the same images, in distribution
    gap = result.metrics["accuracy"] - ref.metrics["accuracy"]
    assert result.gap_line().endswith(f"{gap:+.3f}")
    assert result.gap_line() in result.summary()
    data = json.loads((tmp_path / "metrics.json").read_text())
    assert data["reference"]["pictures"]["confusion"] == "reference/confusion.png"
    assert (tmp_path / "reference" / "confusion.png").is_file()


def test_a_folder_is_read_at_the_model_size_and_classes_matched_by_name(shapes_run, tmp_path):
    ds = kerazoo.get_dataset("shapes", size=48, classes="triangle,circle")
    export_samples(ds.generate(40, seed=3), ds.task, tmp_path / "pngs")
    result = evaluate(shapes_run, tmp_path / "pngs", n=500)
    assert result.n == 40 and result.label.startswith("folder(path=")
    assert any("has 40 images (n=500 asked)" in note for note in result.notes)
    support = {k: v["support"] for k, v in result.per_class.items()}
    assert support["square"] == 0 and support["circle"] + support["triangle"] == 40
    assert result.reference is not None and result.reference.n == 40


def test_a_subset_of_classes_maps_labels_by_name(shapes_run) -> None:
    model, info = _loaded(shapes_run)
    result = evaluate(
        model, "shapes", options={"classes": "triangle,square"}, n=30, reference=False
    )
    support = {k: v["support"] for k, v in result.per_class.items()}
    assert support["circle"] == 0 and support["square"] + support["triangle"] == 30
    assert result.reference is None


def test_a_reconstruction_model_on_other_images(dots_run) -> None:
    result = evaluate(dots_run, "shapes", options={"size": "24x32"}, n=30)
    assert result.kind == "reconstruction" and result.reference is not None
    assert "mse" in result.gap_line()


def test_a_plain_keras_model_takes_the_classes_of_the_data_named() -> None:
    from tests.fixtures.tiny_models import classifier

    plain = classifier(3, size=(32, 32, 1))
    with pytest.raises(kerazoo.IncompatibleError, match=r"has no kerazoo metadata.*Name the data"):
        evaluate(plain)
    with pytest.warns(UserWarning, match="no kerazoo.json"):
        result = evaluate(plain, "shapes", options=SHAPES, n=20)
    assert list(result.per_class) == ["circle", "square", "triangle"]


@pytest.mark.parametrize(
    ("data", "options", "error", "match"),
    [
        (
            "shapes",
            {"size": 64},
            kerazoo.IncompatibleError,
            r"dataset 'shapes' makes 64x64x1 images \(HxWxC\) but the model takes 32x32x1\. "
            r"Pass options=\{'size': 32\}",
        ),
        (
            "shapes",
            {"channels": 3},
            kerazoo.IncompatibleError,
            r"makes 32x32x3 .* Pass options=\{'channels': 1\}",
        ),
        (
            "circles",
            {"size": 32},
            kerazoo.IncompatibleError,
            r"classes the model does not know: 1, 2, 3, 4, 5\. The model's classes: circle",
        ),
        (
            "circles",
            COUNTS,
            kerazoo.IncompatibleError,
            r"The model does classification but dataset 'circles' .* regression task",
        ),
        (
            "shape",
            None,
            kerazoo.UnknownNameError,
            r"Unknown dataset 'shape'\. Did you mean 'shapes'",
        ),
        ("no/such/folder", None, kerazoo.DataError, r"'no/such/folder' is not a folder"),
    ],
)
def test_data_that_does_not_fit_is_refused_with_the_fix(shapes_run, data, options, error, match):
    with pytest.raises(error, match=match):
        evaluate(shapes_run, data, options=options, n=5)


def test_a_folder_without_class_folders_is_refused(shapes_run, tmp_path) -> None:
    with pytest.raises(kerazoo.DataError, match="has no class sub-folders"):
        evaluate(shapes_run, tmp_path, n=5)


def test_bad_arguments_are_refused(shapes_run) -> None:
    model, info = _loaded(shapes_run)
    with pytest.raises(kerazoo.InvalidOptionError, match=r"n must be an integer >= 1, got 0"):
        evaluate(model, n=0)
    wrong = kerazoo.get_dataset("shapes", size=40).generate(3, seed=0)
    with pytest.raises(kerazoo.DataError, match=r"takes uint8 images \(H, W, C\) = \(32, 32, 1\)"):
        evaluate_samples(model, info, wrong)
