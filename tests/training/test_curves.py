"""Pictures: curves.png is a real PNG, drawn without touching the user's matplotlib state."""

from __future__ import annotations

import subprocess
import sys


def test_curves_are_drawn_without_pyplot_or_a_backend_switch(tmp_path) -> None:
    code = (
        "import sys, matplotlib; matplotlib.use('svg'); "
        "from kerazoo.training.curves import plot_curves; "
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
