"""An autoencoder on polka dots: its layers animated over training, and every feature map.

The tutorial is docs/tutorials/autoencoder.md. The script trains the built-in ``autoencoder``
on ``polkadots`` (a white and a grey dot on black) while :class:`kerazoo.interpret.Snapshots`
records three layers on one fixed validation image, then draws every feature map of the
first convolution and a row of images beside their reconstructions.

Run:
    python examples/autoencoder_polkadots.py              # 100x150 images, 3000 of them, 8 epochs
    python examples/autoencoder_polkadots.py --tiny       # 24x36 images, a few seconds
"""

from __future__ import annotations

import argparse
from pathlib import Path

import kerazoo
from kerazoo import interpret

#: Layers recorded over training: the first convolution, the bottleneck and the output image.
LAYERS = ["enc1_conv1", "bottleneck", "output"]


def draw_reconstructions(model_path: Path, path: Path, n: int = 6) -> Path:
    """Fresh polka-dot images (top row) above the model's reconstructions (bottom row).

    Args:
        model_path: a ``model.keras`` saved by :func:`kerazoo.train`.
        path: the PNG to write.
        n: how many images.

    Returns:
        ``path``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    predictor = kerazoo.Predictor.load(model_path)
    meta = kerazoo.read_metadata(model_path)
    dataset = kerazoo.get_dataset("polkadots", **meta["dataset"]["options"])
    images = dataset.generate(n, seed=7).images  # seed 7: images the model never saw
    outputs = [result.image / 255.0 for result in predictor.predict(images)]  # uint8 -> 0-1
    fig, axes = plt.subplots(2, n, figsize=(1.6 * n, 2.6), squeeze=False)
    for i in range(n):
        for row, picture in enumerate((images[i] / 255.0, outputs[i])):
            axes[row, i].imshow(picture.squeeze(), cmap="gray", vmin=0, vmax=1)
            axes[row, i].set_axis_off()
    axes[0, 0].set_title("input", loc="left", fontsize=9)
    axes[1, 0].set_title("reconstruction", loc="left", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def main(out: Path, tiny: bool) -> list[Path]:
    """Train, record, draw; return the pictures written.

    Args:
        out: the folder for everything (the run folder is ``out/run``).
        tiny: tiny images and few of them, for a test run of a few seconds.

    Returns:
        The picture files, in the order the tutorial reads them.
    """
    data = {"size": "24x36", "min_radius": 3, "max_radius": 6} if tiny else {}
    sizes = (
        {"train_size": 200, "val_size": 40, "test_size": 0, "epochs": 2}
        if tiny
        else {"train_size": 3000, "val_size": 300, "test_size": 300, "epochs": 8}
    )
    run = kerazoo.train(
        "polkadots",
        "autoencoder",
        data=data,
        out=out / "run",
        callbacks=[interpret.Snapshots(LAYERS)],
        verbose=2,
        **sizes,
    )
    print(f"validation MAE per pixel (0-1 scale): {run.history['val_mae'][-1]:.4f}")
    maps = interpret.draw_feature_maps(run.dir, out / "maps", layers=["enc1_conv1"])
    recon = draw_reconstructions(run.model_path, out / "reconstructions.png")
    snapshots = [run.dir / "snapshots" / f"{name}.gif" for name in LAYERS]
    return [*snapshots, *maps, recon]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiny", action="store_true", help="tiny images, a few seconds")
    parser.add_argument("--out", type=Path, default=Path("tutorial-autoencoder"))
    args = parser.parse_args()
    pictures = main(args.out, args.tiny)
    print("Look at:")
    for picture in pictures:
        print(f"  {picture}")
