"""Snapshots over training: one GIF frame per snapshot, frames that change as the network
learns, one scale for all frames, files kept at every epoch, names refused before training,
and ``kerazoo train --snapshot`` end to end."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from PIL import Image, ImageSequence

import kerazoo
from kerazoo._cli import main
from kerazoo._errors import IncompatibleError, InvalidOptionError, UnknownNameError
from kerazoo.interpret import Snapshots
from kerazoo.interpret._snapshots import STRIP
from tests.fixtures.processes import run_cli

TINY = {
    "data": {"size": 16},
    "train_size": 64,
    "val_size": 16,
    "batch_size": 16,
    "epochs": 2,
    "test_size": 0,
}


def gif_frames(path) -> np.ndarray:
    """Every frame of a GIF, as ``uint8 [F, H, W, 3]``."""
    with Image.open(path) as gif:
        return np.stack([np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(gif)])


def change(frames: np.ndarray) -> float:
    """Mean absolute difference between the first and the last frame, below the labels."""
    return float(np.abs(frames[-1, STRIP:].astype(int) - frames[0, STRIP:]).mean())


class CountBatches(keras.callbacks.Callback):
    def __init__(self) -> None:
        super().__init__()
        self.batches, self.frames_at_epoch_end = 0, []

    def on_train_batch_end(self, batch, logs=None) -> None:
        self.batches += 1

    def on_epoch_end(self, epoch, logs=None) -> None:  # after Snapshots, listed before it
        with Image.open(self.gif) as gif:
            self.frames_at_epoch_end.append(gif.n_frames)


def test_train_with_snapshots_writes_one_frame_per_snapshot(tmp_path) -> None:
    every3 = Snapshots(["conv1", "pool2"], every=3, out=tmp_path / "every3")
    default = Snapshots(["conv2"], frames=4)  # 8 batches in the run: one every 2
    kerazoo.train(
        "shapes", "lenet", **TINY, out=tmp_path / "run", verbose=0, callbacks=[every3, default]
    )
    # before training, after batches 3 and 6, and at the end (batch 8 was not a snapshot)
    for name in ("conv1", "pool2"):
        frames = gif_frames(tmp_path / "every3" / f"{name}.gif")
        assert len(frames) == 4, name
        assert change(frames) > 0.5, name  # the maps change as the network learns
        still = np.asarray(Image.open(tmp_path / "every3" / f"{name}.png").convert("RGB"))
        np.testing.assert_array_equal(still, frames[-1])
        assert frames.shape[2] >= 160  # small maps enlarged
    folder = tmp_path / "run" / "snapshots"  # default: in the run folder
    assert sorted(p.name for p in folder.iterdir()) == ["conv2.gif", "conv2.png"]
    assert len(gif_frames(folder / "conv2.gif")) == 1 + 8 // 2
    assert every3.files == [
        tmp_path / "every3" / n for n in ("conv1.gif", "conv1.png", "pool2.gif", "pool2.png")
    ]


def test_model_fit_with_a_probe_keeps_a_gif_at_every_epoch_end(tmp_path) -> None:
    dataset = kerazoo.get_dataset("shapes", size=16)
    data = dataset.generate(48, seed=0)
    model = kerazoo.build("lenet", dataset, adapt=data.images)
    snaps = Snapshots(["conv1"], every=2, probe=data.images[0], out=tmp_path)
    counter = CountBatches()
    counter.gif = tmp_path / "conv1.gif"
    model.fit(
        data.images, data.labels, batch_size=16, epochs=2, verbose=0, callbacks=[snaps, counter]
    )
    # 3 batches an epoch: before training, after batches 2, 4 and 6 (the last one)
    assert counter.frames_at_epoch_end == [2, 4]
    assert len(gif_frames(tmp_path / "conv1.gif")) == 4


def test_one_scale_for_all_frames_so_a_growing_map_brightens() -> None:
    snaps = Snapshots(["c"])
    ramp = np.linspace(0, 1, 64, dtype=np.float32).reshape(8, 8, 1)
    snaps._add({"c": ramp}, "first")
    snaps._add({"c": 2 * ramp}, "second")  # the same map, twice as strong later
    first, second = snaps.render("c")[:, STRIP:]
    assert second.max() == 255 and 120 <= first.max() <= 135  # not rescaled per frame
    assert first.min() == second.min() == 0


def test_unknown_layers_are_refused_before_any_batch(tmp_path) -> None:
    counter = CountBatches()
    listed = r"Layers with maps: .*conv1, pool1, conv2, pool2, output\."
    with pytest.raises(
        UnknownNameError, match=rf"'conv9'.*Did you mean 'conv2' or 'conv1'\?.*{listed}"
    ):
        kerazoo.train(
            "shapes",
            "lenet",
            **TINY,
            out=tmp_path / "a",
            verbose=0,
            callbacks=[Snapshots(["conv1", "conv9"]), counter],
        )
    assert counter.batches == 0
    with pytest.raises(IncompatibleError, match=r"'output' shows a reconstruction.*classif"):
        kerazoo.train(
            "shapes",
            "lenet",
            **TINY,
            out=tmp_path / "b",
            verbose=0,
            callbacks=[Snapshots(["output"])],
        )
    model = kerazoo.build("lenet", kerazoo.get_dataset("shapes", size=16))
    x, y = np.zeros((4, 16, 16, 1), np.uint8), np.zeros(4, int)
    with pytest.raises(InvalidOptionError, match="no probe image: pass probe=IMAGE"):
        model.fit(x, y, verbose=0, callbacks=[Snapshots(["conv1"], out="never")])


def test_kerazoo_train_refuses_an_unknown_snapshot_layer_in_flags(tmp_path, capsys) -> None:
    code = main(
        [
            "train",
            "shapes",
            "lenet",
            "--data",
            "size=16",
            "--train-size",
            "32",
            "--val-size",
            "16",
            "--epochs",
            "1",
            "--snapshot",
            "conv1,conv9",
            "--out",
            str(tmp_path / "run"),
            "-q",
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "kerazoo train: error: Unknown layer 'conv9'" in err
    assert "Did you mean --snapshot conv2 or --snapshot conv1?" in err


def test_too_many_frames_are_refused_before_training(tmp_path) -> None:
    model = kerazoo.build("lenet", kerazoo.get_dataset("shapes", size=16))
    x, y = np.zeros((16, 16, 16, 1), np.uint8), np.zeros(16, int)
    snaps = Snapshots(["conv1"], every=1, probe=x[0], out=tmp_path)
    with pytest.raises(
        InvalidOptionError,
        match=r"at most 500 frames.*would take 642 .*"
        r"Use every=2 or more, or leave it out for about 40\.",
    ):
        model.fit(x, y, batch_size=1, epochs=40, verbose=0, callbacks=[snaps])


def test_bad_settings_are_refused_at_once() -> None:
    with pytest.raises(InvalidOptionError, match="at least one layer name, got none"):
        Snapshots([])
    with pytest.raises(InvalidOptionError, match=r"every=0 must be a whole number of at least 1"):
        Snapshots(["conv1"], every=0)
    with pytest.raises(InvalidOptionError, match=r"frames=2\.5 must be a whole number"):
        Snapshots(["conv1"], frames=2.5)


@pytest.mark.slow
def test_kerazoo_train_snapshot_gives_a_gif_per_layer_that_changes(tmp_path) -> None:
    run = tmp_path / "ae"
    done = run_cli(
        "train",
        "polkadots",
        "autoencoder",
        "--data",
        "size=16",
        "--data",
        "min_radius=2",
        "--data",
        "max_radius=4",
        "--train-size",
        "64",
        "--val-size",
        "16",
        "--epochs",
        "2",
        "--batch-size",
        "16",
        "--snapshot",
        "enc1_conv1,output",
        "--snapshot-every",
        "3",
        "--out",
        str(run),
        "-q",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    files = sorted(p.name for p in (run / "snapshots").iterdir())
    assert files == ["enc1_conv1.gif", "enc1_conv1.png", "output.gif", "output.png"]
    maps, output = (gif_frames(run / "snapshots" / f"{n}.gif") for n in ("enc1_conv1", "output"))
    assert len(maps) == len(output) == 4  # before, after batches 3 and 6, at the end (8)
    assert change(maps) > 0.2
    half = output.shape[2] // 2  # the probe input on the left, the reconstruction right
    still = np.abs(output[-1, STRIP:, :half].astype(int) - output[0, STRIP:, :half]).mean()
    moved = np.abs(output[-1, STRIP:, half:].astype(int) - output[0, STRIP:, half:]).mean()
    assert still == 0 and moved > 5
