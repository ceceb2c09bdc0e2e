"""Weights over training: ``--snapshot weights:LAYER`` records a layer's kernel and writes
``snapshots/weights-LAYER.gif`` and ``.png``, one tile per filter on one symmetric scale;
names without a kernel are refused before training, with the valid ones listed."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from PIL import Image

import kerazoo
from kerazoo._cli import main
from kerazoo._errors import IncompatibleError, InvalidOptionError, UnknownNameError
from kerazoo.interpret import Snapshots
from kerazoo.interpret._snapshots import STRIP
from tests.interpret.test_snapshots import TINY, CountBatches, change, gif_frames

#: The separator between tiles in a weights frame (no weight is drawn black).
BLACK = (0, 0, 0)


def count_tiles(picture: np.ndarray) -> int:
    """Tiles in a weights frame ``[H, W, 3]`` (below its text): grid cells that are not all
    separator, between rows and columns that are separator throughout."""
    grid = picture[STRIP:]
    used = ~np.all(grid == BLACK, axis=-1)
    white = np.all(grid == 255, axis=-1)  # the frame may be wider than the grid (text)
    used &= ~white[:, :].all(axis=0)[None, :]

    def runs(line: np.ndarray) -> list[tuple[int, int]]:
        edges = np.flatnonzero(np.diff(np.concatenate([[0], line.astype(int), [0]])))
        return list(zip(edges[::2], edges[1::2], strict=True))

    rows, cols = runs(used.any(axis=1)), runs(used.any(axis=0))
    return sum(used[r0:r1, c0:c1].any() for r0, r1 in rows for c0, c1 in cols)


def png(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def test_kerazoo_train_snapshot_weights_beside_maps(tmp_path, capsys) -> None:
    run = tmp_path / "run"
    args = ["--data", "size=16", "--train-size", "64", "--val-size", "16", "--epochs", "2"]
    code = main(
        ["train", "shapes", "lenet", *args, "--batch-size", "16", "--snapshot-every", "3"]
        + ["--snapshot", "conv1,weights:conv1,weights:conv2", "--out", str(run), "-q"]
    )
    assert code == 0, capsys.readouterr().err
    folder = run / "snapshots"
    assert sorted(p.name for p in folder.iterdir()) == [
        "conv1.gif",
        "conv1.png",
        "weights-conv1.gif",
        "weights-conv1.png",
        "weights-conv2.gif",
        "weights-conv2.png",
    ]
    frames = gif_frames(folder / "weights-conv1.gif")
    assert len(frames) == 4  # before training, after batches 3 and 6, at the end (8)
    assert change(frames) > 0.1  # the weights move as the network learns (8 small steps)
    assert frames.shape[2] >= 160  # 3x3 kernels enlarged
    model, _ = kerazoo.load_model(run / "model.keras")
    for name in ("conv1", "conv2"):  # one tile per filter (conv2: the mean of 6 channels)
        filters = model.get_layer(name).kernel.shape[-1]
        assert (
            count_tiles(png(folder / f"weights-{name}.png"))
            == filters
            == {"conv1": 6}.get(name, 16)
        )


def test_weights_from_python_need_no_probe_and_keep_a_gif_each_epoch(tmp_path) -> None:
    dataset = kerazoo.get_dataset("shapes", size=16)
    data = dataset.generate(48, seed=0)
    model = kerazoo.build("lenet", dataset, adapt=data.images, seed=0)
    snaps = Snapshots(["weights:conv1"], every=2, out=tmp_path)
    counter = CountBatches()
    counter.gif = tmp_path / "weights-conv1.gif"
    model.fit(
        data.images, data.labels, batch_size=16, epochs=2, verbose=0, callbacks=[snaps, counter]
    )
    assert counter.frames_at_epoch_end == [2, 4]
    assert snaps.files == [tmp_path / "weights-conv1.gif", tmp_path / "weights-conv1.png"]
    before, *_, after = gif_frames(tmp_path / "weights-conv1.gif")
    assert change(np.stack([before, after])) > 0.1


def test_a_dense_layer_on_the_image_is_drawn_as_images_of_the_input(tmp_path) -> None:
    dataset = kerazoo.get_dataset("shapes", size=16)
    data = dataset.generate(32, seed=0)
    mlp = kerazoo.get_architecture("mlp", units=12)
    model = kerazoo.build(mlp, dataset, adapt=data.images, seed=0)
    snaps = Snapshots(["weights:dense1"], every=1, out=tmp_path)
    model.fit(data.images, data.labels, batch_size=16, epochs=1, verbose=0, callbacks=[snaps])
    assert len(gif_frames(tmp_path / "weights-dense1.gif")) == 3
    picture = png(tmp_path / "weights-dense1.png")
    assert count_tiles(picture) == 12  # one 16x16 image per unit


def test_one_symmetric_scale_for_all_frames_so_zero_stays_white() -> None:
    snaps = Snapshots(["weights:c"])
    kernel = np.array([-1.0, 0.0, 1.0], np.float32).reshape(1, 1, 3)  # 3 filters of 1x1
    snaps._add({"weights:c": kernel}, "first")
    snaps._add({"weights:c": 2 * kernel}, "second")  # twice as strong later
    first, second = snaps.render("weights:c")[:, STRIP:]
    row = first.shape[0] // 2

    def colours(frame: np.ndarray) -> list[tuple[int, ...]]:
        line = frame[row]
        keep = ~np.all(line == BLACK, axis=-1) & ~np.all(line == 255, axis=-1)
        shown = line[keep]
        return [tuple(shown[0]), tuple(shown[len(shown) // 2]), tuple(shown[-1])]

    (neg1, zero1, pos1), (neg2, zero2, pos2) = colours(first), colours(second)
    assert zero1 == zero2 and min(zero1) > 230  # zero: near white in every frame
    assert neg2[2] > neg2[0] and pos2[0] > pos2[2]  # blue below zero, red above
    assert sum(map(int, neg1)) > sum(map(int, neg2)) and sum(map(int, pos1)) > sum(
        map(int, pos2)
    )  # the weaker frame is paler


def test_layers_without_a_kernel_are_refused_before_any_batch(tmp_path) -> None:
    listed = r"Layers with a kernel to draw: weights:conv1, weights:conv2\."
    for name, error, match in (
        ("weights:conv9", UnknownNameError, r"'weights:conv9'.*Did you mean 'weights:conv.'"),
        ("weights:pool1", IncompatibleError, rf"'pool1' .*has no kernel.*{listed}"),
        (
            "weights:dense1",
            IncompatibleError,
            rf"'dense1' .*reads \d+ numbers computed from the image.*16x16x1.*{listed}",
        ),
    ):
        counter = CountBatches()
        with pytest.raises(error, match=match):
            kerazoo.train(
                "shapes",
                "lenet",
                **TINY,
                out=tmp_path / name.replace(":", "-"),
                verbose=0,
                callbacks=[Snapshots([name]), counter],
            )
        assert counter.batches == 0, name


def test_kerazoo_train_names_the_flag_for_a_bad_weights_layer(tmp_path, capsys) -> None:
    args = ["--data", "size=16", "--train-size", "32", "--val-size", "16", "--epochs", "1"]
    code = main(
        ["train", "shapes", "lenet", *args, "--snapshot", "conv1,weights:conv9"]
        + ["--out", str(tmp_path / "run"), "-q"]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "kerazoo train: error: Unknown layer 'weights:conv9'" in err
    assert "Did you mean --snapshot weights:conv2 or --snapshot weights:conv1?" in err


def test_misspelt_kinds_are_refused_at_once() -> None:
    with pytest.raises(InvalidOptionError, match=r"'weight:conv1'.*weights:LAYER"):
        Snapshots(["weight:conv1"])
    with pytest.raises(InvalidOptionError, match=r"'weights:' names no layer.*weights:conv1"):
        Snapshots(["conv1", "weights:"])


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_a_dense_unit_on_an_rgb_image_is_drawn_in_the_image_s_own_order(
    data_format, tmp_path
) -> None:
    if data_format == "channels_first" and keras.backend.backend() == "tensorflow":
        pytest.skip("TensorFlow builds channels_first models only with a GPU (run on JAX)")
    dataset = kerazoo.get_dataset("traffic_lights", size=12)
    data = dataset.generate(8, seed=0)
    arch = kerazoo.get_architecture("mlp", units=4, layers=1)
    model = kerazoo.build(arch, dataset, data_format=data_format, adapt=data.images, seed=0)
    image = data.images[0].astype(np.float32)  # [H, W, 3], channels-last
    laid_out = image if data_format == "channels_last" else image.transpose(2, 0, 1)
    flat = np.asarray(model.get_layer("flatten")(laid_out[None]))[0]  # as the Dense reads it
    dense = model.get_layer("dense1")
    kernel = np.zeros(dense.kernel.shape, np.float32)
    kernel[:, 0] = flat - 127.5  # unit 0 likes this very image: dark blue, bright red
    dense.kernel.assign(kernel)
    snaps = Snapshots(["weights:dense1"], out=tmp_path)
    x = data.images[:1] if data_format == "channels_last" else data.images[:1].transpose(0, 3, 1, 2)
    model.fit(x, data.labels[:1], epochs=1, verbose=0, callbacks=[snaps])
    frame = snaps.render("weights:dense1")[0]
    assert frame.ndim == 3 and frame.shape[-1] == 3  # RGB
    drawn = frame[STRIP:]
    scale = drawn.shape[1] // (2 * (12 * 2 + 2) - 2)  # 2x2 tiles of 24 px, 2 apart
    tile = drawn[: 24 * scale : 2 * scale, : 24 * scale : 2 * scale].astype(int)  # 12x12
    expected = np.rint(127.5 + 127.5 * (image - 127.5) / np.abs(image - 127.5).max())
    assert np.abs(tile - expected).max() <= 3  # the image itself, mid grey at 0


def test_transposed_depthwise_and_wide_convolutions_give_one_tile_per_filter() -> None:
    from kerazoo.interpret._snapshot_weights import Kernel

    up = keras.layers.Conv2DTranspose(5, 3, name="up")
    up.build((None, 8, 8, 4))  # kernel (3, 3, 5 out, 4 in)
    depthwise = keras.layers.DepthwiseConv2D(3, depth_multiplier=2, name="dw")
    depthwise.build((None, 8, 8, 3))  # kernel (3, 3, 3 in, 2 per channel)
    assert Kernel(up).read().shape == (5, 3, 3)  # the mean of 4 input channels
    assert Kernel(up).title == "up: 5 filters of 3x3, mean of 4 channels"
    assert Kernel(depthwise).read().shape == (6, 3, 3)  # one channel each
    assert Kernel(depthwise).title == "dw: 6 filters of 3x3"
    wide = keras.layers.Conv2D(70, 3, name="wide")
    wide.build((None, 8, 8, 3))
    assert Kernel(wide).read().shape == (64, 3, 3, 3)  # RGB, the first 64 filters
    assert Kernel(wide).title == "wide: 70 filters of 3x3 (first 64), RGB"


def test_a_kernel_of_another_rank_is_refused_with_its_shape() -> None:
    from kerazoo.interpret._snapshot_weights import kernels

    inputs = keras.Input((8, 4))
    model = keras.Model(inputs, keras.layers.Conv1D(2, 3, name="c1d")(inputs), name="seq")
    with pytest.raises(
        IncompatibleError,
        match=r"Layer 'c1d' of model 'seq' has a kernel of shape \(3, 4, 2\); drawn are 2-D "
        r"convolutions and Dense layers\. Layers with a kernel to draw: \(none\)\.",
    ):
        kernels(model, None, ["weights:c1d"])
