"""Every refusal of the ``kerazoo`` commands happens in the library: a Python call gets the
same error class and message, its settings named as keywords instead of flags. (The command
line's side is tested with each command.)"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import kerazoo
from kerazoo._errors import IncompatibleError, InvalidOptionError, option_flags
from kerazoo.experiments._variants_file import variants_request
from kerazoo.interpret._look_images import look_images
from kerazoo.interpret._saliency_look import saliency_pictures
from kerazoo.predict._outputs import check_writes_images, write_images
from tests.fixtures.tiny_models import classifier, meta_for


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny classifier of 8x8 grey shapes, saved with its metadata."""
    return kerazoo.save_model(classifier(), tmp_path_factory.mktemp("m") / "m.keras", meta_for())


# -- compare -----------------------------------------------------------------------------------
def test_compare_refuses_a_seed_and_names_seeds(tmp_path: Path) -> None:
    from kerazoo.experiments._compare import compare

    with pytest.raises(InvalidOptionError, match=r"got seed=2\. Give seeds=3 .* or seeds=2\."):
        compare("shapes", "chopped_vgg", ["a: width=2"], out=tmp_path / "c", seed=2)
    assert not (tmp_path / "c").exists()


def test_compare_refuses_variants_given_two_ways(tmp_path: Path) -> None:
    path = tmp_path / "v.toml"
    path.write_text("[variants]\nhalf = { width = 0.5 }\n")
    with pytest.raises(InvalidOptionError, match=r"^Give variants with variants or file, not"):
        variants_request(["a: width=2"], path)
    assert variants_request([], path)["variants"] == {"half": {"width": 0.5}}
    flags = option_flags({"variants": "--variant", "file": "--file"})  # as the command says
    with flags, pytest.raises(InvalidOptionError, match=r"^Give variants with --variant or --"):
        variants_request(["a: width=2"], path)


def test_compare_with_nothing_to_compare(tmp_path: Path) -> None:
    from kerazoo.experiments._compare import compare

    with pytest.raises(InvalidOptionError, match=r"^Nothing to compare: give a variant"):
        compare("shapes", "chopped_vgg", [], baseline=False, out=tmp_path / "c")


# -- data, predict -----------------------------------------------------------------------------
def test_a_negative_sample_count_is_refused_by_the_dataset() -> None:
    shapes = kerazoo.get_dataset("shapes", size=16)
    with pytest.raises(InvalidOptionError, match=r"^n must be a non-negative integer, got -1\."):
        shapes.check_size(-1)
    flags = option_flags({"n": "--n"})
    with flags, pytest.raises(InvalidOptionError, match=r"^--n must be a non-negative integer"):
        shapes.check_size(-1)


def test_only_a_reconstruction_model_writes_images(saved: Path, tmp_path: Path) -> None:
    message = r"^out writes the images a reconstruction model outputs, but this model is "
    with pytest.raises(IncompatibleError, match=message + r"classification.*Leave out out\."):
        check_writes_images("classification")
    image = tmp_path / "a.png"
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(image)
    results = kerazoo.Predictor.load(saved).predict([image])
    with pytest.raises(IncompatibleError, match=message + "classification"):
        write_images(results, tmp_path / "out", [image])
    assert not (tmp_path / "out").exists()


# -- train, tune, lr_find: what to train -------------------------------------------------------
def test_a_search_needs_a_dataset_and_an_architecture(tmp_path: Path) -> None:
    with pytest.raises(
        InvalidOptionError,
        match=r"^A search needs a dataset and an architecture, e\.g\. shapes and lenet .*only "
        r"a worker \(kerazoo tune --worker\) reads them from its chief; got dataset='shapes' "
        r"and architecture=None\.",
    ):
        kerazoo.tune("shapes", None, out=tmp_path / "t")
    assert not (tmp_path / "t").exists()


def test_lr_find_needs_a_dataset_and_an_architecture() -> None:
    with pytest.raises(
        InvalidOptionError, match=r"^The learning-rate finder needs a dataset and an architecture"
    ):
        kerazoo.lr_find(None, "lenet")


# -- look saliency, and the images any look uses -----------------------------------------------
def test_saliency_refuses_an_unknown_method(saved: Path, tmp_path: Path) -> None:
    with pytest.raises(InvalidOptionError, match=r"^Unknown method 'gradcams'\. Did you mean"):
        saliency_pictures(saved, tmp_path, methods=["gradcams"])


def test_saliency_score_refuses_image_files(saved: Path, tmp_path: Path) -> None:
    with pytest.raises(
        InvalidOptionError,
        match=r"^score needs the objects' masks, which fresh samples .* got images='x\.png'\. "
        r"Drop images \(use count and seed to choose the samples\)\.",
    ):
        saliency_pictures(saved, tmp_path, score=True, images=["x.png"])


def test_saliency_score_needs_a_dataset_with_masks(tmp_path: Path) -> None:
    meta = meta_for()
    meta["dataset"] = {"name": "folder", "options": {"path": str(tmp_path)}, "seed": 0}
    path = kerazoo.save_model(classifier(), tmp_path / "f.keras", meta)
    for size in (1, 2):
        for i in range(3):
            folder = tmp_path / f"c{i}"
            folder.mkdir(exist_ok=True)
            Image.fromarray(np.full((8, 8), 80 * i, np.uint8)).save(folder / f"{size}.png")
    with pytest.raises(
        IncompatibleError, match=r"^score needs the objects' masks, and the model's dataset"
    ):
        saliency_pictures(path, tmp_path, score=True, count=2)


@pytest.mark.parametrize("count", [0, -3])
def test_a_look_needs_at_least_one_sample(saved: Path, tmp_path: Path, count: int) -> None:
    info = kerazoo.read_metadata(saved)
    with pytest.raises(InvalidOptionError, match=rf"^count must be at least 1, got {count}\."):
        look_images(info, count=count)
    with pytest.raises(InvalidOptionError, match=rf"^count must be at least 1, got {count}\."):
        saliency_pictures(saved, tmp_path, score=True, count=count)
