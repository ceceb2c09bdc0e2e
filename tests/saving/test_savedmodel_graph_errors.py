"""SavedModels whose graph cannot be checked as 'kerazoo export' writes it are refused unread:
no object graph (TensorFlow 1), a call to a function the file does not hold, a function that
calls itself."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kerazoo import ModelFileError, Predictor, UnsafeModelError
from tests.saving.test_graph_safety import _hostile


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import tensorflow as tf

    return _hostile(
        tmp_path_factory.mktemp("plain") / "model", lambda x: tf.zeros([tf.shape(x)[0], 3])
    )


def _edited(plain: Path, folder: Path, edit) -> Path:  # noqa: ANN001 - edits the protobuf
    from tensorflow.core.protobuf import saved_model_pb2

    shutil.copytree(plain, folder)
    sm = saved_model_pb2.SavedModel()
    sm.ParseFromString((folder / "saved_model.pb").read_bytes())
    edit(sm.meta_graphs[0])
    (folder / "saved_model.pb").write_bytes(sm.SerializeToString())
    return folder


def test_a_tensorflow_1_saved_model_is_refused(plain: Path, tmp_path: Path) -> None:
    model = _edited(plain, tmp_path / "tf1", lambda g: g.object_graph_def.ClearField("nodes"))
    with pytest.raises(
        ModelFileError, match=r"tf1' is a TensorFlow 1 SavedModel \(no object graph\); kerazoo"
    ):
        Predictor.load(model)


def test_a_call_to_a_function_the_file_does_not_hold_is_refused(plain, tmp_path) -> None:
    model = _edited(plain, tmp_path / "cut", lambda g: g.graph_def.library.ClearField("function"))
    with pytest.raises(
        UnsafeModelError,
        match=r"^Refused to load '.*cut': its graph calls the function '.*', which the file "
        r"does not hold\.",
    ):
        Predictor.load(model)


def test_a_function_that_calls_itself_is_refused(plain: Path, tmp_path: Path) -> None:
    def recurse(graph) -> None:  # noqa: ANN001
        for fn in graph.graph_def.library.function:
            fn.node_def.add(name="again", op=fn.signature.name)

    model = _edited(plain, tmp_path / "loop", recurse)
    with pytest.raises(
        UnsafeModelError,
        match=r"^Refused to load '.*loop': its functions call themselves \((\S+) -> \1\), which "
        r"may never end\.",
    ):
        Predictor.load(model)
