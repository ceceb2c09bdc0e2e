"""`kerazoo inspect/predict/export`, and kerazoo.build models end to end through a file."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import kerazoo
from kerazoo import Predictor, load_model, read_metadata, save_model
from kerazoo._cli import main
from kerazoo.predict._values import ExtrapolationWarning
from kerazoo.saving._savedmodel import export_model
from tests.fixtures.tiny_models import (
    BAD_FIELDS,
    NAMES,
    changed,
    classifier,
    meta_for,
    rewrite_metadata,
)


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    meta = meta_for()
    meta["training"] = {"epochs": 5, "metrics": {"val_accuracy": 0.998}}
    return save_model(classifier(), tmp_path_factory.mktemp("m") / "m.keras", meta)


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("photos")
    rng = np.random.default_rng(0)
    for i in range(3):
        Image.fromarray(rng.integers(0, 256, (8, 8), dtype=np.uint8)).save(folder / f"{i}.png")
    Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)).save(folder / "big.jpg")
    return folder


# -- inspect -------------------------------------------------------------------------------
def test_inspect_does_not_start_tensorflow(saved: Path) -> None:
    code = (
        "import sys, kerazoo._cli; "
        f"rc = kerazoo._cli.main(['inspect', {str(saved)!r}]); "
        "print(rc, 'tensorflow' in sys.modules, 'keras' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.splitlines()[-1] == "0 False False", out.stderr
    assert "3 classes: circle, square, triangle" in out.stdout


def test_inspect_text_and_json(saved: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(saved)]) == 0
    text = capsys.readouterr().out
    for part in (
        "(Keras zip)",
        "task:         classification, 3 classes: circle, square, triangle",
        "output:       logits (sparse)",
        "input:        8x8x1 uint8, channels_last",
        "dataset:      handmade(size=8) seed=0",
        "architecture: tiny(filters=2)",
        "training:     5 epochs; val_accuracy=0.998",
        "saved with:   kerazoo 0.1.0",
    ):
        assert part in text
    assert main(["inspect", str(saved), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == read_metadata(saved)


def test_inspect_plain_file_and_errors(tmp_path: Path, capsys) -> None:
    classifier().save(tmp_path / "plain.keras")
    assert main(["inspect", str(tmp_path / "plain.keras")]) == 0
    out = capsys.readouterr().out
    assert "no kerazoo.json: a plain Keras model" in out and "(None, 8, 8, 1)" in out
    assert main(["inspect", str(tmp_path / "missing.keras")]) == 2
    assert "kerazoo inspect: error: Model file" in capsys.readouterr().err


@pytest.mark.parametrize(("change", "message"), BAD_FIELDS)
def test_inspect_names_a_wrongly_typed_field(
    saved: Path, tmp_path: Path, capsys, change: dict, message: str
) -> None:
    bad = rewrite_metadata(saved, changed(read_metadata(saved), change), tmp_path / "bad.keras")
    for extra in ([], ["--json"]):
        assert main(["inspect", str(bad), *extra]) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        assert "Traceback" not in captured.err
        assert re.search(
            rf"kerazoo inspect: error: '.*bad.keras': its kerazoo.json is invalid: {message}",
            captured.err,
        ), captured.err


def test_predict_command_names_a_wrongly_typed_field(saved: Path, tmp_path: Path, capsys) -> None:
    meta = changed(read_metadata(saved), {"task.class_names": 3})
    bad = rewrite_metadata(saved, meta, tmp_path / "bad.keras")
    assert main(["predict", str(bad), str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "task.class_names must be a list of strings, got int 3" in err
    assert "Traceback" not in err


# -- predict -------------------------------------------------------------------------------
def test_predict_prints_one_line_per_image(saved: Path, photos: Path, capsys) -> None:
    one = photos / "0.png"
    assert main(["predict", str(saved), str(one), str(photos), "--top-k", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        str(one),
        *(str(photos / n) for n in ("0.png", "1.png", "2.png", "big.jpg")),
    ]
    want = Predictor.load(saved).predict(one, top_k=2)[0]
    assert lines[0] == f"{one}: {want.top_k[0][0]} ({want.top_k[0][1]:.3f}), " + (
        f"{want.top_k[1][0]} ({want.top_k[1][1]:.3f})"
    )
    assert lines[-1].endswith("[RGB -> grayscale; resized 16x16 -> 8x8]")


def test_predict_json_lines(saved: Path, photos: Path, capsys) -> None:
    assert main(["predict", str(saved), str(photos), "--json", "--batch-size", "2"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 4 and all(r["label"] in NAMES for r in rows)
    assert rows[-1]["notes"] == ["RGB -> grayscale", "resized 16x16 -> 8x8"]


def test_predict_folder_written_by_data_export(tmp_path: Path, capsys) -> None:
    """``kerazoo data export`` writes DIR/<class>/00000.png; predict finds them all."""
    data = tmp_path / "shapes_png"
    assert main(["data", "export", "shapes", str(data), "--n", "6"]) == 0  # 64x64 images
    capsys.readouterr()
    ds = kerazoo.get_dataset("shapes", size=32)
    model = kerazoo.build("lenet", ds, adapt=ds.generate(16, seed=0).images)
    saved = save_model(model, tmp_path / "lenet.keras")
    rows = (data / "labels.csv").read_text().splitlines()[1:]
    files = sorted(str(data / row.split(",")[0]) for row in rows)  # zero-padded: sorts naturally
    assert len(files) == 6 and all("/" in row.split(",")[0] for row in rows)

    assert main(["predict", str(saved), str(data), "--top-k", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(": ")[0] for line in lines] == files
    want = Predictor.load(saved).predict([Path(f) for f in files], top_k=2)
    assert lines == [str(r) for r in want]
    assert all(r.label in ds.task.class_names for r in want)
    assert {r.notes for r in want} == {("resized 64x64 -> 32x32",)}


def test_predict_errors(saved: Path, tmp_path: Path, capsys) -> None:
    assert main(["predict", str(saved), str(tmp_path / "nope.png")]) == 2
    assert "kerazoo predict: error: Input '" in capsys.readouterr().err
    assert main(["predict", str(tmp_path / "nope.keras"), str(tmp_path)]) == 2
    assert "does not exist" in capsys.readouterr().err


# -- export --------------------------------------------------------------------------------
def test_export_command_then_predict(saved: Path, photos: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "served"
    assert main(["export", str(saved), str(out)]) == 0
    assert f"-> {out}" in capsys.readouterr().out
    main(["predict", str(saved), str(photos), "--top-k", "3"])
    from_file = capsys.readouterr().out
    main(["predict", str(out), str(photos), "--top-k", "3"])
    assert capsys.readouterr().out == from_file


# -- kerazoo.build end to end --------------------------------------------------------------
def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_built_lenet_through_keras_h5_and_export(tmp_path: Path) -> None:
    ds = kerazoo.get_dataset("shapes", size=32)
    sample = ds.generate(6, seed=1)
    model = kerazoo.build("lenet", ds, adapt=sample.images)
    want = _softmax(model(sample.images, training=False).numpy())
    names = list(ds.task.class_names)
    for target in (tmp_path / "lenet.keras", tmp_path / "lenet.h5"):
        save_model(model, target)  # metadata from kerazoo.models._metadata.info(model)
        meta = read_metadata(target)
        assert meta["architecture"]["name"] == "lenet" and meta["dataset"]["name"] == "shapes"
        results = Predictor.load(target).predict(sample.images, top_k=3)
        got = np.array([[dict(r.top_k)[n] for n in names] for r in results])
        np.testing.assert_allclose(got, want, atol=1e-5)
    loaded, _ = load_model(tmp_path / "lenet.keras", compile=False)
    assert (
        kerazoo.models._metadata.info(loaded)["task"]["class_names"] == names
    )  # metadata reattached
    export = export_model(tmp_path / "lenet.keras", tmp_path / "lenet_export")
    results = Predictor.load(export).predict(sample.images, top_k=3)
    got = np.array([[dict(r.top_k)[n] for n in names] for r in results])
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_built_count_regression_and_autoencoder(tmp_path: Path) -> None:
    counts = kerazoo.get_dataset("circles", target="count", size=32)
    sample = counts.generate(4, seed=2)
    model = kerazoo.build("lenet", counts, adapt=sample.images)
    pred = Predictor.load(save_model(model, tmp_path / "count.keras"))
    raw = model(sample.images, training=False).numpy()[:, 0]
    with warnings.catch_warnings():  # an untrained model may predict outside 1-5: warned
        warnings.simplefilter("ignore", ExtrapolationWarning)
        results = pred.predict(sample.images)
    assert [r.raw_value for r in results] == pytest.approx(raw.tolist(), abs=1e-5)
    assert [r.value for r in results] == np.clip(np.round(raw), 0, None).astype(int).tolist()

    shapes = kerazoo.get_dataset("shapes", size=32)
    imgs = shapes.generate(2, seed=3).images
    auto = kerazoo.build("autoencoder", shapes, encoding="reconstruction", adapt=imgs)
    results = Predictor.load(save_model(auto, tmp_path / "auto.keras")).predict(imgs)
    want = np.clip(np.round(auto(imgs, training=False).numpy() * 255), 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(np.stack([r.image for r in results]), want)


# -- text from files is data ---------------------------------------------------------------
HOSTILE_NAMES = ["\x1b[2K\rcircle", "squ\nare", "tri\x9bangle\x7f"]


def test_control_characters_in_class_names_are_escaped(photos: Path, tmp_path: Path) -> None:
    from tests.fixtures.processes import run_cli

    model = save_model(classifier(), tmp_path / "m.keras", meta_for(names=HOSTILE_NAMES))
    image = photos / "0.png"
    out = run_cli("predict", str(model), str(image), "--top-k", "3")
    assert out.returncode == 0, out.stderr
    assert len(out.stdout.splitlines()) == 1  # no newline from a class name
    for raw in ("\x1b", "\r", "\x9b", "\x7f"):
        assert raw not in out.stdout
    for shown in (r"\x1b[2K\rcircle", r"squ\nare", r"tri\x9bangle\x7f"):
        assert shown in out.stdout
    out = run_cli("predict", str(model), str(image), "--top-k", "3", "--json")
    row = json.loads(out.stdout)
    assert sorted(t["label"] for t in row["top_k"]) == sorted(HOSTILE_NAMES)  # exact
    out = run_cli("inspect", str(model))
    assert out.returncode == 0 and "\x1b" not in out.stdout, out.stderr
    task = next(line for line in out.stdout.splitlines() if "task:" in line)
    assert task.endswith(r"3 classes: \x1b[2K\rcircle, squ\nare, tri\x9bangle\x7f")
    out = run_cli("inspect", str(model), "--json")
    assert json.loads(out.stdout)["task"]["class_names"] == HOSTILE_NAMES


# -- inputs that are not regular files -----------------------------------------------------
@pytest.mark.slow
def test_a_fifo_among_the_inputs_is_skipped_with_a_note(
    saved: Path, photos: Path, tmp_path: Path
) -> None:
    import os
    import shutil

    folder = tmp_path / "in"
    shutil.copytree(photos, folder)
    os.mkfifo(folder / "pipe.png")  # nobody ever writes to it: reading it would wait forever
    command = [sys.executable, "-m", "kerazoo", "predict", str(saved)]
    for inputs in ([folder], [folder / "pipe.png", folder / "0.png"]):
        argv = [*command, *map(str, inputs)]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert "pipe.png" not in done.stdout and f"{folder / '0.png'}: " in done.stdout
        assert "kerazoo: warning: 1 input(s) skipped: not regular files" in done.stderr
        assert str(folder / "pipe.png") in done.stderr
    argv = [*command, str(folder / "pipe.png")]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stderr.startswith("kerazoo predict: error: No input")
