"""The picture of saliency: one row per image, the input then each method's map over it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np

from kerazoo._errors import DataError, unknown_choice
from kerazoo.interpret import _probe as probe
from kerazoo.interpret._attribution import _batched, _numpy, saliency
from kerazoo.interpret._methods import SALIENCY_METHODS, TITLES
from kerazoo.interpret._pictures import figure_text, heading_lines, normalize, save_figure

__all__ = ["draw_saliency"]


def draw_saliency(
    model: Any,
    images: Any,
    path: str | Path,
    methods: Sequence[str] = SALIENCY_METHODS,
    masks: Any = None,
    target: Any = None,
    layer: str | None = None,
    failures: Mapping[str, Sequence[str]] | None = None,
    maps: Mapping[str, Any] | None = None,
    **options: Any,
) -> Path:
    """A grid: one row per image; the input (titled with the predicted class and its
    probability, or score for a linear head trained with MSE), then each method's map over
    the image, scaled to ``[0, 1]`` on its own.

    Args:
        model: a model, a saved ``.keras`` file or a run folder.
        images: raw ``uint8 [N, H, W, C]`` images.
        path: the PNG to write.
        methods: the columns, from :data:`SALIENCY_METHODS`.
        masks: ``bool [N, H, W]`` object masks to outline, or ``None``.
        target, layer, options: as for :func:`saliency`.
        failures: per method, the checks it fails (``SaliencyChecks.failed()``): its column
            is titled in red with them.
        maps: per method, maps already drawn for these images and ``target`` (as
            :func:`saliency` gives them); the others are drawn here.

    Returns:
        The path written.

    Raises:
        InvalidOptionError: an unknown method, or none.

    Example:
        >>> data = kerazoo.get_dataset("shapes").generate(4, seed=1)    # doctest: +SKIP
        >>> draw_saliency("runs/shapes-lenet", data.images, "saliency.png",
        ...               masks=data.masks)                             # doctest: +SKIP
    """
    model, info = probe.load(model)
    methods = list(methods)
    for method in methods or [None]:  # none at all is refused too
        if method not in SALIENCY_METHODS:
            raise unknown_choice("method", method, SALIENCY_METHODS)
    images = np.asarray(images)
    if masks is not None and np.shape(masks) != images.shape[:3]:
        raise DataError(f"masks must be [N, H, W] = {images.shape[:3]}, got {np.shape(masks)}.")
    given = maps or {}
    maps = [
        np.asarray(given[m])
        if m in given
        else saliency(model, images, m, target=target, layer=layer, **options)
        for m in methods
    ]
    layer = layer or (probe.last_conv_layer(model, info) if "gradcam" in methods else None)
    what = "the predicted " + ("class" if info.task.kind == "classification" else "value")
    if target is not None:
        what = f"class {target!r}" if isinstance(target, int | str) else "the given classes"
    heading = f"Saliency of {what} (the score before any softmax); input titles: prediction"
    if masks is not None:
        heading += "\ncyan outline: the object's mask"
    titles = [TITLES.get(m, m) + (f" ({layer})" if m == "gradcam" else "") for m in methods]
    failures = failures or {}
    failed = [bool(failures.get(m)) for m in methods]
    titles = [
        t + ("\nFAILS " + ", ".join(failures[m]) if bad else "")
        for t, m, bad in zip(titles, methods, failed, strict=True)
    ]
    if any(failed):
        heading += "\nred title: the method fails a check (see the score table)"
    fig = _figure(images, maps, titles, _captions(model, info, images), masks, heading, failed)
    return save_figure(fig, path)


def _figure(
    images: Any,
    maps: list,
    titles: list,
    captions: list,
    masks: Any,
    heading: str,
    failed: Sequence[bool] = (),
) -> Any:
    """The grid as a matplotlib Figure: rows = images, columns = input then the maps."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.cm import ScalarMappable
    from matplotlib.figure import Figure

    rows, cols, (h, w) = len(images), 1 + len(maps), images.shape[1:3]
    tile_w, tile_h, bar = 1.3 * w / max(h, w), 1.3 * h / max(h, w), 1.0  # inches
    width = cols * (tile_w + 0.12) + bar
    heading = "\n".join(heading_lines(heading, width))  # a narrow grid wraps it
    head = 0.5 + 0.18 * heading.count("\n") + 0.12 * max((t.count("\n") for t in titles), default=0)
    fig = Figure(figsize=(width, rows * (tile_h + 0.25) + head))
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(
        rows,
        cols,
        left=0.01,
        right=1 - bar / fig.get_figwidth(),
        bottom=0.01,
        top=1 - head / fig.get_figheight(),
        wspace=0.06,
        hspace=0.25,
    )
    grey = images.astype(np.float32).mean(axis=-1) / 255.0
    for i in range(rows):
        for j in range(cols):
            ax = fig.add_subplot(grid[i, j])
            ax.set_axis_off()
            shown = images[i] if j == 0 and images.shape[-1] == 3 else grey[i]  # RGB as it is
            ax.imshow(shown, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            bad = j > 0 and i == 0 and bool(failed) and failed[j - 1]
            ax.set_title(
                captions[i] if j == 0 else titles[j - 1] if i == 0 else "",
                fontsize=7,
                color="red" if bad else "black",
            )
            if j:
                heat = normalize(maps[j - 1][i], per_image=False)
                ax.imshow(heat, cmap="inferno", vmin=0, vmax=1, alpha=0.75, interpolation="nearest")
            if masks is not None:
                ax.contour(np.asarray(masks[i], float), [0.5], colors="cyan", linewidths=0.7)
    fig.suptitle(figure_text(heading), fontsize=8)
    cax = fig.add_axes((1 - 0.7 * bar / fig.get_figwidth(), 0.25, 0.15 / fig.get_figwidth(), 0.5))
    cbar = fig.colorbar(ScalarMappable(cmap="inferno"), cax=cax)  # full colours, 0..1
    cbar.set_label("attribution, scaled per map\n(0 least, 1 most)", fontsize=7)
    cbar.ax.tick_params(labelsize=6)
    return fig


def _captions(model: Any, info: Any, images: np.ndarray) -> list[str]:
    """Per image: the predicted class and its probability (MSE head: score), or the value."""
    out = _batched(lambda xb: _numpy(model(xb, training=False)), 256, images)
    out = out.reshape(len(images), -1)
    if info.task.kind != "classification":
        return [f"value {v:.3g}" for v in out[:, 0]]
    shown = "{} score {:.2f}" if info.output == "scores" else "{} {:.0%}"  # MSE: no softmax
    if info.output not in ("probabilities", "scores"):
        act = keras.ops.sigmoid if out.shape[1] == 1 else keras.ops.softmax
        out = keras.ops.convert_to_numpy(act(out))
    out = np.concatenate([1 - out, out], axis=1) if out.shape[1] == 1 else out
    names = [figure_text(n) for n in info.task.class_names]  # drawn as written
    return [shown.format(names[int(k)], p[k]) for p, k in zip(out, out.argmax(1), strict=True)]
