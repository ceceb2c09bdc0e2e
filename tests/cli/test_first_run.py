"""A new user's first hour: what the command shows, writes and accepts."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import kerazoo
from kerazoo import save_model
from kerazoo._cli import build_parser, main
from kerazoo._errors import ModelFileError
from tests.fixtures.processes import ROOT
from tests.fixtures.tiny_models import classifier, meta_for

#: What TensorFlow 2.21 prints at start-up on a CPU-only machine.
STARTUP_LINES = (
    "oneDNN custom operations",
    "Could not find cuda drivers",
    "cpu_feature_guard",
    "absl::InitializeLog",
    "cuInit",
)
LOG_VARIABLES = ("TF_CPP_MIN_LOG_LEVEL", "TF_CPP_MAX_VLOG_LEVEL", "GLOG_minloglevel")


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_model(classifier(), tmp_path_factory.mktemp("m") / "m.keras", meta_for())


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("img") / "a.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (8, 8), np.uint8)).save(path)
    return path


def _cli_without_log_settings(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m kerazoo ARGS`` as a user runs it: no log-level variables set."""
    env = {k: v for k, v in os.environ.items() if k not in LOG_VARIABLES}
    return subprocess.run(
        [sys.executable, "-m", "kerazoo", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=ROOT,
    )


# -- 1. TensorFlow's start-up lines --------------------------------------------------------
def test_tensorflow_start_up_lines_are_hidden_unless_verbose(saved: Path, image: Path) -> None:
    out = _cli_without_log_settings("predict", str(saved), str(image))
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"{image}: ")
    shown = [line for line in STARTUP_LINES if line in out.stderr]
    assert not shown, out.stderr
    loud = _cli_without_log_settings("--verbose", "predict", str(saved), str(image))
    assert loud.returncode == 0 and loud.stdout == out.stdout
    assert "absl::InitializeLog" in loud.stderr  # the lines exist; --verbose shows them


@pytest.mark.slow
def test_tensorflow_log_lines_after_the_start_up_still_reach_stderr(tmp_path: Path) -> None:
    # every back-off retraces the training step, and TensorFlow warns through a logging
    # handler made while its start-up lines were hidden: it used to write to a closed fd
    out = _cli_without_log_settings(
        "train",
        "shapes",
        "chopped_vgg",
        "--data",
        "size=16",
        "--optimizer",
        "sgd",
        "--lr",
        "10",
        "--lr-backoff",
        "--epochs",
        "2",
        "--train-size",
        "200",
        "--val-size",
        "40",
        "--test-size",
        "40",
        "--out",
        str(tmp_path / "run"),
    )
    assert out.returncode == 0, out.stderr
    assert "retrying from new weights (no epoch ended)" in out.stdout
    assert "Logging error" not in out.stderr and "Bad file descriptor" not in out.stderr


# -- 2. a closed pipe ----------------------------------------------------------------------
def test_piping_into_head_ends_without_a_traceback(saved: Path, image: Path, tmp_path) -> None:
    # 3000 results (~140 KB) outgrow the pipe, so kerazoo still writes when head has gone.
    # The image's name is relative (the command runs in tmp_path), so the command line does not
    # grow with the depth of pytest's folders (pytest-xdist adds one): bash -c takes one
    # argument, and Linux limits one argument to 128 KiB.
    name = "a-picture-with-a-long-name.png"
    shutil.copy(image, tmp_path / name)
    many = " ".join([name] * 3000)
    python = f"{sys.executable} -m kerazoo"
    for command in (f"{python} predict {saved} {many} | head -1", f"{python} list | head -c 0"):
        out = subprocess.run(
            ["bash", "-c", f"set -o pipefail; {command}"],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=300,
        )
        assert "BrokenPipeError" not in out.stderr and "Traceback" not in out.stderr, out.stderr
        assert "Exception ignored" not in out.stderr, out.stderr
        # TF_CPP_MIN_LOG_LEVEL=3, set by the user (here conftest): no start-up lines either
        assert not [line for line in STARTUP_LINES if line in out.stderr], out.stderr
        assert out.returncode == 1  # kerazoo's quiet exit status; head's is 0
    assert out.stderr == ""


# -- 3. a run folder where a model file is expected ----------------------------------------
@pytest.fixture(scope="module")
def runs(saved: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("runs")
    for name, files in {
        "done": ["model.keras"],
        "half": ["best.keras", "checkpoint.keras"],
    }.items():
        (root / name).mkdir()
        (root / name / "run.json").write_text("{}")
        for file in files:
            shutil.copy(saved, root / name / file)
    (root / "empty").mkdir()
    (root / "empty" / "run.json").write_text("{}")
    return root


def test_predict_inspect_export_accept_a_run_folder(runs: Path, image: Path, capsys) -> None:
    assert main(["predict", str(runs / "done"), str(image)]) == 0
    assert capsys.readouterr().out.startswith(f"{image}: ")
    assert main(["inspect", str(runs / "done")]) == 0
    assert "3 classes: circle, square, triangle" in capsys.readouterr().out
    assert main(["export", str(runs / "done"), str(runs / "export")]) == 0
    assert str(runs / "done" / "model.keras") in capsys.readouterr().out
    assert (runs / "export" / "saved_model.pb").is_file()


def test_an_unfinished_run_folder_says_which_file_is_used(runs: Path, image: Path, capsys) -> None:
    assert main(["predict", str(runs / "half"), str(image)]) == 0
    out = capsys.readouterr()
    assert out.out.startswith(f"{image}: ")
    assert "has no model.keras (the run has not finished): using best.keras" in out.err
    assert f"kerazoo train --resume --out {runs / 'half'}" in out.err
    assert main(["predict", str(runs / "empty"), str(image)]) == 2
    err = capsys.readouterr().err
    assert "is a run folder without a saved model (no model.keras, best.keras or" in err


def test_look_views_take_an_unfinished_run_folder_too(runs: Path, image: Path, tmp_path, capsys):
    for view in (["maps"], ["saliency", "--method", "gradients"]):
        out, model = tmp_path / f"{view[0]}.png", str(runs / "half")
        assert main(["look", *view, model, "--image", str(image), "--out", str(out)]) == 0
        assert "has no model.keras (the run has not finished): using best.keras" in (
            capsys.readouterr().err
        )
        assert any(tmp_path.glob(f"{view[0]}*.png"))
    assert main(["look", "maps", str(runs / "empty")]) == 2
    assert "is a run folder without a saved model" in capsys.readouterr().err


def test_looking_inside_from_python_reads_an_unfinished_run_folder(runs: Path, tmp_path):
    from kerazoo.interpret import draw_kernels

    with pytest.warns(UserWarning, match=r"has no model.keras .*: using best.keras"):
        path = draw_kernels(runs / "half", tmp_path / "k.png")
    assert path.is_file()
    with pytest.raises(ModelFileError, match="is a run folder without a saved model"):
        draw_kernels(runs / "empty", tmp_path / "e.png")


# -- 4. reconstructions as files -----------------------------------------------------------
@pytest.fixture(scope="module")
def autoencoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    shapes = kerazoo.get_dataset("shapes", size=32)
    imgs = shapes.generate(2, seed=3).images
    model = kerazoo.build("autoencoder", shapes, encoding="reconstruction", adapt=imgs)
    folder = tmp_path_factory.mktemp("auto")
    for i, name in enumerate(("first", "second")):
        Image.fromarray(imgs[i, ..., 0]).save(folder / f"{name}.png")
    return save_model(model, folder / "auto.keras")


def test_predict_out_writes_each_reconstruction_as_png(autoencoder: Path, tmp_path, capsys) -> None:
    inputs = [str(autoencoder.parent / "first.png"), str(autoencoder.parent / "second.png")]
    out = tmp_path / "recon"
    assert main(["predict", str(autoencoder), *inputs, "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert sorted(p.name for p in out.iterdir()) == ["first.png", "second.png"]
    assert lines[0] == f"{inputs[0]}: reconstructed image 32x32x1  -> {out / 'first.png'}"
    results = kerazoo.Predictor.load(autoencoder).predict(inputs)
    with Image.open(out / "second.png") as written:
        assert written.format == "PNG" and written.mode == "L"
        np.testing.assert_array_equal(np.asarray(written), results[1].image[..., 0])
    again = tmp_path / "again"
    assert main(["predict", str(autoencoder), inputs[0], "--out", str(again), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["file"] == str(again / "first.png")
    # never over the input itself
    assert main(["predict", str(autoencoder), inputs[0], "--out", str(autoencoder.parent)]) == 2
    assert "1 of the 1 files exist already (e.g. " in capsys.readouterr().err


def test_predict_out_keeps_the_inputs_paths_and_overwrites_nothing(
    autoencoder: Path, tmp_path, capsys
) -> None:
    source = autoencoder.parent / "first.png"
    names = ["x/a.png", "y/a.png", "z/a-2.png", "z/a.jpg"]
    inputs = [tmp_path / name for name in names]
    for path in inputs:
        path.parent.mkdir(exist_ok=True)
        shutil.copyfile(source, path)
    out = tmp_path / "recon"
    assert main(["predict", str(autoencoder), *map(str, inputs), "--out", str(out)]) == 0
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png"))
    assert written == ["x/a.png", "y/a.png", "z/a-2.png", "z/a.png"]
    assert capsys.readouterr().out.splitlines()[1].endswith(f"-> {out / 'y' / 'a.png'}")
    # a folder given: paths relative to it; a file already there is never replaced
    mine = tmp_path / "mine"
    (mine / "z").mkdir(parents=True)
    (mine / "z" / "a.png").write_bytes(b"my own picture")
    code = main(["predict", str(autoencoder), str(tmp_path / "z"), "--out", str(mine / "z")])
    assert code == 2 and (mine / "z" / "a.png").read_bytes() == b"my own picture"
    err = capsys.readouterr().err
    assert err.startswith(f"kerazoo predict: error: Refusing to write into {mine / 'z'}: 1 of ")
    assert "predict never overwrites a file" in err and sorted(os.listdir(mine / "z")) == ["a.png"]
    assert main(["predict", str(autoencoder), str(tmp_path / "z"), "--out", str(mine)]) == 0
    assert sorted(os.listdir(mine)) == ["a-2.png", "a.png", "z"]


def test_predict_out_is_refused_for_a_classifier(
    saved: Path, image: Path, tmp_path, capsys
) -> None:
    assert main(["predict", str(saved), str(image), "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "--out writes the images a reconstruction model outputs, but this model is" in err
    assert not (tmp_path / "x").exists()


# -- 7. the picture format follows the suffix ----------------------------------------------
def test_out_suffix_chooses_the_picture_format(tmp_path: Path, capsys) -> None:
    jpg = tmp_path / "grid.jpg"
    assert (
        main(["data", "preview", "shapes", "--n", "4", "--data", "size=16", "--out", str(jpg)]) == 0
    )
    with Image.open(jpg) as img:
        assert img.format == "JPEG"
    capsys.readouterr()
    for bad, reason in (("grid.bmp", "cannot write '.bmp' files"), ("grid", "it has no suffix")):
        assert main(["data", "preview", "shapes", "--out", str(tmp_path / bad)]) == 2
        err = capsys.readouterr().err
        assert reason in err and ".jpg, .pdf, .pgf, .png" in err and "grid.png" in err
        assert not (tmp_path / bad).exists()


def test_save_figure_writes_the_suffixs_format(tmp_path: Path) -> None:
    from matplotlib.figure import Figure

    from kerazoo.interpret._pictures import save_figure

    fig = Figure(figsize=(1, 1))
    fig.add_subplot().plot([0, 1])
    for name, fmt in (("a.png", "PNG"), ("a.jpeg", "JPEG"), ("a.webp", "WEBP")):
        with Image.open(save_figure(fig, tmp_path / name)) as img:
            assert img.format == fmt
    assert save_figure(fig, tmp_path / "a.svg").read_text().lstrip().startswith("<?xml")
    with pytest.raises(kerazoo.InvalidOptionError, match=r"cannot write '\.bmp' files"):
        save_figure(fig, tmp_path / "a.bmp")


# -- 8. mixed precision on a CPU -----------------------------------------------------------
def test_mixed_precision_on_a_cpu_warns() -> None:
    import keras

    shapes = kerazoo.get_dataset("shapes", size=32)
    try:
        with pytest.warns(
            UserWarning,
            match=r"precision='mixed_float16' is meant for a GPU.*"
            r"on a CPU mixed precision is usually slower",
        ):
            kerazoo.build("lenet", shapes, precision="mixed_float16")
    finally:
        keras.config.set_dtype_policy("float32")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kerazoo.build("lenet", shapes)  # float32: no warning


# -- 9. parameters and layers --------------------------------------------------------------
def test_inspect_shows_parameters_and_a_layer_table_on_request(saved: Path, capsys) -> None:
    model, _ = kerazoo.load_model(saved, compile=False)
    assert main(["inspect", str(saved)]) == 0
    text = capsys.readouterr().out
    assert f"parameters:   {model.count_params():,} (all weights" in text
    assert main(["inspect", str(saved), "--summary"]) == 0
    table = capsys.readouterr().out.split("parameters:", 1)[1].splitlines()[1:]
    assert table[0].split() == ["layer", "type", "output", "shape", "params"]
    rows = {line.split()[0]: line for line in table[1:-1]}
    assert list(rows) == [layer.name for layer in model.layers]
    conv = next(layer for layer in model.layers if "conv" in layer.name)
    assert "Conv2D" in rows[conv.name] and "(N, 6, 6, 2)" in rows[conv.name]
    assert rows[conv.name].endswith(f" {conv.count_params()}")
    assert table[-1].strip() == f"total {model.count_params():,} parameters: " + (
        f"{model.count_params():,} trainable, 0 non-trainable"
    )


# -- 10. every closed set of values is listed in the help -----------------------------------
def _options_with_choices(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    for action in parser._actions:  # argparse has no public list of a parser's options
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _options_with_choices(sub, (*path, name))
        elif action.choices:
            yield path, parser, action


def test_every_option_with_choices_lists_them_in_its_help() -> None:
    from kerazoo.training._settings import FLAGS, SETTINGS

    found = list(_options_with_choices(build_parser()))
    assert found  # 'kerazoo list {datasets,architectures}' at least
    for path, parser, action in found:
        text = parser.format_help()
        missing = [c for c in action.choices if str(c) not in text]
        assert not missing, f"kerazoo {' '.join(path)} {action.dest}: {missing} not in help"
    train = build_parser()._subparsers._group_actions[0].choices["train"]
    helps = {a.dest: a.help or "" for a in train._actions}
    for name, param in SETTINGS.items():
        for choice in param.choices or ():
            assert repr(choice) in helps[name], f"{FLAGS.get(name, name)} help lacks {choice!r}"
