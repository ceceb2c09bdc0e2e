"""keep_checkpoints: every epoch's checkpoint kept as checkpoints/epoch-NNN.keras."""

from __future__ import annotations

import json

import numpy as np
import pytest

import kerazoo
from tests.fixtures.processes import run_cli

TINY = {
    "train_size": 32,
    "val_size": 16,
    "test_size": 0,
    "batch_size": 16,
    "data": {"size": 16},
    "hp": {"filters": 2, "filters2": 4, "dense1": 8, "dense2": 0},
    "verbose": 0,
}


@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")
def test_every_epoch_is_kept_and_a_resumed_run_adds_to_them(tmp_path) -> None:
    out = tmp_path / "run"
    kerazoo.train("shapes", "lenet", out=out, epochs=2, keep_checkpoints=True, **TINY)
    kept = out / "checkpoints"
    assert sorted(p.name for p in kept.iterdir()) == ["epoch-001.keras", "epoch-002.keras"]
    assert (kept / "epoch-002.keras").read_bytes() == (out / "checkpoint.keras").read_bytes()
    first = (kept / "epoch-001.keras").read_bytes()
    for n in (1, 2):
        meta = kerazoo.read_metadata(kept / f"epoch-{n:03d}.keras")
        assert meta["training"]["epochs"] == n
        assert len(meta["training"]["history"]["loss"]) == n
    assert json.loads((out / "run.json").read_text())["settings"]["keep_checkpoints"] is True

    run = kerazoo.train(None, None, out=out, resume=True, epochs=3)  # the setting is kept
    assert sorted(p.name for p in kept.iterdir()) == [
        "epoch-001.keras",
        "epoch-002.keras",
        "epoch-003.keras",
    ]
    assert (kept / "epoch-001.keras").read_bytes() == first  # earlier epochs untouched
    assert len(run.history["loss"]) == 3
    model, meta = kerazoo.load_model(kept / "epoch-003.keras")
    images = kerazoo.get_dataset("shapes", size=16).generate(4, seed=5).images
    final = np.asarray(run.model(images, training=False))
    assert np.allclose(np.asarray(model(images, training=False)), final, atol=1e-6)
    assert not list(kept.glob("*.tmp*")) and not list(kept.glob(".*"))  # atomic: no leftovers


def test_without_the_setting_no_folder_is_made(tmp_path) -> None:
    out = tmp_path / "run"
    kerazoo.train("shapes", "lenet", out=out, epochs=1, **TINY)
    assert not (out / "checkpoints").exists()


def test_a_checkpoint_callback_on_its_own_keeps_epochs(tmp_path) -> None:
    from kerazoo.training._callbacks import Checkpoint

    shapes = kerazoo.get_dataset("shapes", size=16)
    model = kerazoo.build("lenet", shapes)
    data = shapes.generate(16, seed=1)
    model.fit(
        data.images,
        data.labels,
        epochs=2,
        batch_size=8,
        verbose=0,
        callbacks=[Checkpoint(tmp_path, keep=True)],
    )
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == [
        "epoch-001.keras",
        "epoch-002.keras",
    ]


@pytest.mark.slow
def test_cli_flag(tmp_path) -> None:
    out = tmp_path / "run"
    done = run_cli(
        "train",
        "shapes",
        "lenet",
        "--data",
        "size=16",
        "--epochs",
        "1",
        "--train-size",
        "32",
        "--val-size",
        "16",
        "--test-size",
        "0",
        "--keep-checkpoints",
        "--quiet",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert (out / "checkpoints" / "epoch-001.keras").is_file()
