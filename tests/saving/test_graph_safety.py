"""Hostile SavedModels: a graph that reads or writes files is refused before anything runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import kerazoo
from kerazoo import Predictor, UnsafeModelError
from kerazoo.saving._savedmodel import export_model
from tests.fixtures.processes import ROOT, run_cli
from tests.fixtures.tiny_models import meta_for

SPEC = [None, 8, 8, 1]


def _hostile(folder: Path, serve) -> Path:  # noqa: ANN001 - a tf.function body
    """A SavedModel whose ``serve`` endpoint runs ``serve``, with a kerazoo.json beside it."""
    import tensorflow as tf

    class Hostile(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec(SPEC, tf.uint8)])
        def serve(self, x: tf.Tensor) -> tf.Tensor:
            return serve(x)

    module = Hostile()
    tf.saved_model.save(module, str(folder), signatures={"serve": module.serve})
    (folder / "kerazoo.json").write_text(json.dumps(meta_for()))
    return folder


def _image(tmp_path: Path) -> Path:
    from PIL import Image

    path = tmp_path / "in.png"
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(path)
    return path


@pytest.mark.slow
def test_saved_model_reading_a_file_is_refused(tmp_path: Path) -> None:
    import tensorflow as tf

    secret = tmp_path / "secret.txt"
    secret.write_text("x" * 1234)

    def serve(x: tf.Tensor) -> tf.Tensor:
        size = tf.cast(tf.strings.length(tf.io.read_file(str(secret))), tf.float32)
        return tf.zeros([tf.shape(x)[0], 3]) + size

    model = _hostile(tmp_path / "reader", serve)
    with pytest.raises(UnsafeModelError, match=r"uses ReadFile.* not a pure tensor op"):
        Predictor.load(model)
    out = run_cli("predict", str(model), str(_image(tmp_path)))
    assert out.returncode != 0
    assert "ReadFile" in out.stderr and "1234" not in out.stdout + out.stderr


@pytest.mark.slow
def test_saved_model_writing_files_is_refused(tmp_path: Path) -> None:
    import tensorflow as tf

    stolen = tmp_path / "written"

    def serve(x: tf.Tensor) -> tf.Tensor:
        tf.raw_ops.SaveV2(
            prefix=str(stolen / "ckpt"), tensor_names=["x"], shape_and_slices=[""], tensors=[x]
        )
        return tf.zeros([tf.shape(x)[0], 3])

    def write(x: tf.Tensor) -> tf.Tensor:
        tf.io.write_file(str(stolen / "note.txt"), "pwned")
        return tf.zeros([tf.shape(x)[0], 3])

    image = _image(tmp_path)
    for name, body, op in (("saver", serve, "SaveV2"), ("writer", write, "WriteFile")):
        model = _hostile(tmp_path / name, body)
        with pytest.raises(UnsafeModelError, match=f"uses {op}"):
            Predictor.load(model)
        out = run_cli("predict", str(model), str(image))
        assert out.returncode != 0 and op in out.stderr, out.stderr
    assert not stolen.exists()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("arch", "data", "options"),
    [
        ("lenet", "shapes", {}),
        ("chopped_vgg", "shapes", {"softmax": True}),
        ("autoencoder", "polkadots", {}),
        ("lenet", "shapes", {"data_format": "channels_first", "_allow_unrunnable": True}),
    ],
)
def test_exports_of_builtin_architectures_still_predict(
    tmp_path: Path, arch: str, data: str, options: dict
) -> None:
    model = kerazoo.build(arch, data, **options)
    cf = options.get("data_format") == "channels_first"
    export = export_model(model, tmp_path / "export", channels_last=cf)
    predictor = Predictor.load(export)
    pixels = kerazoo.get_dataset(data).generate(2, seed=0).images
    assert len(predictor.predict(pixels)) == 2


def _looping(x, **loop):  # noqa: ANN001, ANN003 - a tf.function body
    import tensorflow as tf

    i = tf.while_loop(lambda i: tf.constant(True), lambda i: i + 1, [tf.constant(0)], **loop)
    return tf.zeros([tf.shape(x)[0], 3]) + tf.cast(i, tf.float32)


@pytest.mark.slow
def test_saved_model_looping_forever_is_refused(tmp_path: Path) -> None:
    import tensorflow as tf

    image = _image(tmp_path)
    forever = _hostile(tmp_path / "forever", _looping)
    # the command in a real process, with a time limit: refused at once, in one line
    out = subprocess.run(
        [sys.executable, "-m", "kerazoo", "predict", str(forever), str(image)],
        capture_output=True,
        text=True,
        timeout=150,
        cwd=ROOT,
    )
    assert out.returncode == 2, out.stderr
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr, out.stderr
    assert "kerazoo predict: error: Refused to load" in out.stderr
    assert "does not bound, so it may never end" in out.stderr
    with pytest.raises(UnsafeModelError, match=r"StatelessWhile .* does not bound"):
        Predictor.load(forever)

    def from_input(x):  # noqa: ANN001, ANN202 - the bound is data, not part of the graph
        return _looping(x, maximum_iterations=tf.cast(x[0, 0, 0, 0], tf.int32))

    def nested(x):  # noqa: ANN001, ANN202 - 1000 x 1000 iterations
        return tf.while_loop(
            lambda i: True,
            lambda i: _looping(x[:1], maximum_iterations=1000)[0, :1] + i,
            [tf.zeros([1])],
            maximum_iterations=1000,
        )[0] + tf.zeros([tf.shape(x)[0], 3])

    for name, serve, message in (
        ("from_input", from_input, r"does not bound, so it may never end"),
        (
            "huge",
            lambda x: _looping(x, maximum_iterations=10**9),
            r"more than 100000 loop iterations",
        ),
        ("nested", nested, r"more than 100000 loop iterations \(loops inside loops"),
    ):
        with pytest.raises(UnsafeModelError, match=message):
            Predictor.load(_hostile(tmp_path / name, serve))
    bounded = _hostile(tmp_path / "bounded", lambda x: _looping(x, maximum_iterations=5))
    np.testing.assert_array_equal(
        Predictor.load(bounded).model(np.zeros((1, 8, 8, 1), np.uint8)), 5
    )
