"""Pictures: curves.png is a real PNG, drawn without touching the user's matplotlib state."""

from __future__ import annotations

import subprocess
import sys


def test_curves_are_drawn_without_pyplot_or_a_backend_switch(tmp_path) -> None:
    code = (
        "import sys, matplotlib; matplotlib.use('svg'); "
        "from kerazoo.training._curves import plot_curves; "
        "h = {'loss': [1, .5], 'val_loss': [1.2, .6]}; "
        f"p = plot_curves(h, {str(tmp_path / 'c.png')!r}); "
        "print(matplotlib.get_backend(), 'matplotlib.pyplot' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["svg", "False"]
    from PIL import Image

    with Image.open(tmp_path / "c.png") as im:
        assert im.format == "PNG" and im.size[0] > im.size[1] > 100


def test_a_wide_loss_range_is_drawn_on_a_log_axis(tmp_path) -> None:
    from PIL import Image

    from kerazoo.training._curves import curves_figure, plot_curves

    # a regression run: the first training loss is 300x the last validation loss
    wide = {
        "loss": [2400.0, 310.0, 95.0, 40.0, 22.0, 15.0, 11.0, 9.0],
        "val_loss": [260.0, 80.0, 35.0, 18.0, 12.0, 10.0, 8.5, 8.0],
        "mae": [30.0, 12.0, 7.0, 5.0, 3.6, 3.1, 2.7, 2.5],
        "val_mae": [12.0, 7.0, 4.5, 3.3, 2.8, 2.6, 2.4, 2.3],
    }
    loss, mae = curves_figure(wide).axes
    assert (loss.get_yscale(), loss.get_ylabel()) == ("log", "loss (log scale)")
    assert mae.get_yscale() == "linear"  # 13x: read fine on a linear axis
    narrow = {"loss": [1.1, 0.5], "val_loss": [1.0, 0.6], "accuracy": [0.01, 0.9]}
    assert [ax.get_yscale() for ax in curves_figure(narrow).axes] == ["linear", "linear"]
    with_zero = {"loss": [500.0, 0.0], "val_loss": [400.0, 1.0]}
    assert curves_figure(with_zero).axes[0].get_yscale() == "linear"  # no log of 0
    with Image.open(plot_curves(wide, tmp_path / "curves.png")) as im:
        assert im.format == "PNG"
