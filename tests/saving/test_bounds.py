"""Every read of a model file is bounded before it happens: zip members, weights, JSON."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from kerazoo import ModelFileError, Predictor, load_model, read_metadata, save_model
from tests.fixtures.processes import TIMED, run_cli
from tests.fixtures.tiny_models import classifier, meta_for

DEEP = '{"a":' * 100_000 + "1" + "}" * 100_000  # 600 KB, nested 100,000 deep


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_model(classifier(), tmp_path_factory.mktemp("m") / "m.keras", meta_for())


def _replace(src: Path, target: Path, member: str, write) -> Path:  # noqa: ANN001
    """Copy the .keras ``src`` to ``target`` with ``member`` written by ``write(fileobj)``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(target, "w") as zout:
        for item in zin.infolist():
            if item.filename != member:
                zout.writestr(item, zin.read(item.filename))
        info = zipfile.ZipInfo(member)
        info.compress_type = zipfile.ZIP_DEFLATED
        with zout.open(info, "w", force_zip64=True) as f:
            write(f)
    return target


@pytest.fixture(scope="module")
def bomb(saved: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``model.weights.h5`` declared as 2 GiB of zeros, about 2 MB on disk (streamed)."""
    zeros = bytes(2**20)

    def write(f) -> None:  # noqa: ANN001
        for _ in range(2048):
            f.write(zeros)

    return _replace(saved, tmp_path_factory.mktemp("b") / "bomb.keras", "model.weights.h5", write)


@pytest.mark.slow
@TIMED  # refused within 5 s
def test_zip_bomb_member_is_refused_without_decompressing(bomb: Path) -> None:
    assert bomb.stat().st_size < 10 * 2**20
    start = time.monotonic()
    with pytest.raises(ModelFileError, match=r"model\.weights\.h5 declares 2147483648 bytes"):
        Predictor.load(bomb)
    assert time.monotonic() - start < 5
    out = run_cli("predict", str(bomb), str(bomb))
    assert out.returncode == 2 and "decompression bomb" in out.stderr, out.stderr
    assert "Traceback" not in out.stderr


def test_weights_larger_than_the_parameters_need_are_refused(saved: Path, tmp_path: Path) -> None:
    noise = np.random.default_rng(0).bytes(8 * 2**20)  # incompressible: no bomb by ratio
    big = _replace(saved, tmp_path / "big.keras", "model.weights.h5", lambda f: f.write(noise))
    with pytest.raises(ModelFileError, match=r"model\.weights\.h5 of 8388608 bytes.* parameters"):
        load_model(big)


def test_deeply_nested_json_is_a_model_file_error(saved: Path, tmp_path: Path) -> None:
    deep = _replace(
        saved, tmp_path / "deep.keras", "kerazoo.json", lambda f: f.write(DEEP.encode())
    )
    with pytest.raises(ModelFileError, match=r"kerazoo\.json .*nested deeper than 100"):
        read_metadata(deep)
    for command in (["inspect", str(deep)], ["predict", str(deep), str(deep)]):
        out = run_cli(*command)
        assert out.returncode == 2, out.stderr
        assert "nested deeper" in out.stderr and "Traceback" not in out.stderr, out.stderr
    config = _replace(saved, tmp_path / "c.keras", "config.json", lambda f: f.write(DEEP.encode()))
    with pytest.raises(ModelFileError, match=r"config\.json .*nested deeper"):
        load_model(config)


def test_deeply_nested_json_in_h5_attribute_and_export(saved: Path, tmp_path: Path) -> None:
    import h5py

    h5 = save_model(classifier(), tmp_path / "m.h5", meta_for())
    with h5py.File(h5, "a") as f:
        f.attrs["kerazoo"] = DEEP
    with pytest.raises(ModelFileError, match=r"kerazoo attribute.*nested deeper"):
        read_metadata(h5)
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "saved_model.pb").write_bytes(b"")
    (folder / "kerazoo.json").write_text(DEEP)
    with pytest.raises(ModelFileError, match=r"kerazoo\.json.*nested deeper"):
        read_metadata(folder)


def test_metadata_json_is_bounded_too(saved: Path, tmp_path: Path) -> None:
    deep = _replace(saved, tmp_path / "d.keras", "metadata.json", lambda f: f.write(DEEP.encode()))
    with pytest.raises(ModelFileError, match=r"metadata\.json .*nested deeper"):
        load_model(deep)


def test_h5_weights_larger_than_the_parameters_need_are_refused(tmp_path: Path) -> None:
    import h5py

    h5 = save_model(classifier(), tmp_path / "m.h5", meta_for())
    load_model(h5)  # a genuine file is within the bound
    with h5py.File(h5, "a") as f:  # 64 MiB declared, gzip-compressed to almost nothing
        f.create_dataset("padding", shape=(2**24,), dtype="float32", compression="gzip")
    with pytest.raises(
        ModelFileError, match=r"its weights of 671\d{5} bytes is larger than .*239 parameters"
    ):
        load_model(h5)
