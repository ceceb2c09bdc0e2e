"""Reference outputs (as timm keeps them): a model's raw outputs on a fixed input.

The input is not stored, only its recipe: ``np.random.default_rng(0).integers(0, 256,
size=(2, H, W, C), dtype=np.uint8)`` in the model's input shape. The outputs are the
model's own (logits, counts, pixels), taken straight from the ``keras.Model``; a large
output (an image) is kept at 32 evenly spaced places of each image's flattened output.
A Keras or backend upgrade that changes what a shipped model computes shows up as a
difference here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

__all__ = ["REFERENCE_IMAGES", "TOLERANCE", "compare_reference", "reference_outputs"]

#: How many random images the fixed input holds.
REFERENCE_IMAGES = 2
#: The largest absolute difference accepted between recorded and computed outputs.
TOLERANCE = 1e-4
#: An output with more values per image than this is kept at this many places.
_KEPT = 32


def _input(shape: tuple[int, ...], seed: int) -> Any:
    import numpy as np

    return np.random.default_rng(seed).integers(0, 256, size=shape, dtype=np.uint8)


def _outputs(model_path: str | os.PathLike[str]) -> tuple[dict[str, Any], Any]:
    """(the input's description, the model's outputs on it, kept places only)."""
    import numpy as np

    from kerazoo.saving._load import load_model

    model, _ = load_model(model_path, compile=False)
    shape = (REFERENCE_IMAGES, *(int(d) for d in model.input_shape[1:]))
    seed = 0
    pixels = _input(shape, seed)
    raw = np.asarray(model.predict(pixels, verbose=0), dtype=np.float64)
    flat = raw.reshape(len(raw), -1)
    per_image = flat.shape[1]
    places = (
        np.linspace(0, per_image - 1, _KEPT).round().astype(int).tolist()
        if per_image > _KEPT
        else list(range(per_image))
    )
    described = {
        "input": f"np.random.default_rng({seed}).integers(0, 256, size={shape}, dtype=np.uint8)",
        "shape": list(shape),
        "seed": seed,
        "output_shape": list(raw.shape),
        "places": places,
        "tolerance": TOLERANCE,
    }
    return described, flat[:, places]


def reference_outputs(model_path: str | os.PathLike[str]) -> dict[str, Any]:
    """The card's ``reference``: the input's recipe and the model's outputs on it.

    Example:
        >>> reference_outputs("model.keras")["input"]                  # doctest: +SKIP
        'np.random.default_rng(0).integers(0, 256, size=(2, 32, 32, 1), dtype=np.uint8)'
    """
    described, kept = _outputs(model_path)
    return {**described, "outputs": kept.tolist()}


def compare_reference(model_path: str | os.PathLike[str], reference: dict[str, Any]) -> float:
    """The largest absolute difference between ``reference["outputs"]`` and what the
    model computes now, on this backend, at the recorded places.

    Example:
        >>> import kerazoo
        >>> card = kerazoo.get_zoo("lenet-shapes")
        >>> compare_reference(card.folder / "model.keras", card.card["reference"]) < 1e-4
        True
    """
    import numpy as np

    _, kept = _outputs(Path(model_path))
    recorded = np.asarray(reference["outputs"], dtype=np.float64)
    if recorded.shape != kept.shape:
        return float("inf")
    return float(np.max(np.abs(recorded - kept)))
