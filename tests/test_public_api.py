"""The public surface: every name in ``kerazoo.__all__`` resolves, and importing stays light."""

from __future__ import annotations

import subprocess
import sys

import kerazoo


def test_every_public_name_resolves() -> None:
    missing = [name for name in kerazoo.__all__ if getattr(kerazoo, name, None) is None]
    assert missing == []
    assert set(kerazoo.__all__) <= set(dir(kerazoo))


def test_moved_names_are_public_at_the_top() -> None:
    """What the docs show users lives on ``kerazoo`` itself, not on an internal module path."""
    assert kerazoo.augment.TRANSFORMS == ("hflip", "vflip", "rot90", "shift")
    assert callable(kerazoo.make_batches) and callable(kerazoo.encode_inputs)
    assert callable(kerazoo.to_channels_last)
    assert kerazoo.natural_key("net2") < kerazoo.natural_key("net10")


def test_lazy_names_do_not_import_keras_until_used() -> None:
    code = (
        "import sys, kerazoo; kerazoo.augment; kerazoo.natural_key; kerazoo.interpret;"
        "print(sorted(m for m in ('keras', 'tensorflow', 'jax', 'torch') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
