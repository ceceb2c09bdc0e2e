"""Soft 2x2 pixel-pattern counts: the body of ``counter`` with ``detector=quads`` (private).

Separate objects with no holes are counted by the Euler number of the binarised image, and
the Euler number is *exactly linear* in how often each 2x2 pixel pattern occurs (Gray's
bit-quads: ``E = (n(Q1) - n(Q3) -/+ 2 n(QD)) / 4``, the sign choosing 8- or 4-connected
objects). So the body learns a per-pixel foreground probability ``p`` (a 1x1 convolution
and a sigmoid, so colours, dark-on-light and anti-aliased edges are learned), counts the 2x2
patterns ``p`` forms, and weighs the two pattern counts the Euler number uses and a
constant (see :data:`FEATURES`) with six weights, which can hold the count for any number
of objects, including numbers never trained on. The builder's linear head scales the
result.

A pattern's soft indicator at one window is ``prod_i (p_i if bit i else 1 - p_i)``: exactly
0 or 1 on binary pixels, and the 16 indicators of a window sum to 1. No Keras layer computes
it, and a custom layer (or a Lambda) would make saved models need this plugin (or unsafe
loading) to predict, so it is built from stock layers with fixed weights: a 2x2 convolution
picks ``+z_i`` and ``-z_i`` (the foreground logit of each window pixel) with a
``log_sigmoid`` activation (``log p_i``, ``log(1 - p_i)``), a 1x1 convolution adds the four
logs of each pattern, ``exponential`` turns the sums into products.

The image is framed by one pixel so that every object, even one touching the border, has
all its corner patterns counted. The frame must look like the background: the patterns are
counted twice, with a frame of foreground probability 0 and one of 1, and the weights see
the first counts and the differences (the border windows only), so light or dark
backgrounds are both exact.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kerazoo import InputSpec

__all__ = ["CORNERS_PER_BLOB", "FEATURES", "LEVER", "PATTERNS", "pattern_kernels", "quad_counts"]

#: The 2x2 patterns, as bit masks (bit i: window pixel i on, in the order top-left,
#: top-right, bottom-left, bottom-right): all 16, whose indicators sum to 1 at every window.
PATTERNS = tuple(range(16))
#: The pattern counts are divided by this: a blob without holes has 4 more convex corners
#: than concave ones, so the corner feature counts blobs, and a weight of about 1 / (the
#: head's half range) is the answer, a few hundred Adam steps from the zero start. (Divided
#: by 64 instead, as the conv detector's density is, the weight had to reach 6.4 on 45-50
#: circles: 0.20 exact after 3 epochs.)
CORNERS_PER_BLOB = 4.0
#: Value of the constant feature: a lever for the offset, as the conv detector's per-pixel
#: bias is. On 45-50 circles the count is 47.5 away from what the zero start gives, and
#: the head's own bias would have to travel 19 (2000 Adam steps at 0.01).
LEVER = 16.0
#: What the head weighs, from Gray's pattern classes (one pixel on, three on, two diagonal):
#: ``corners`` = n(one) - n(three), the convex minus the concave corners of the blobs (4 for
#: a blob without holes: its boundary turns once), and ``diagonal`` = n(diagonal), where
#: 8- and 4-connectivity differ. The Euler number is (corners -/+ 2 diagonal) / 4. The
#: other patterns measure size (perimeter) rather than topology: given to the head, they
#: made the fit on 1-20 circles take the shortcut "count ~ perimeter / 23" (0.996
#: correlated with the corner difference there), which holds only for the radii trained
#: on and left 45-50 at 0.56 exact after 8 epochs (the two alone: 1.000 after 1). Then a
#: constant, :data:`LEVER`.
FEATURES = ("corners", "diagonal", "constant")
#: Initial slope of the foreground sigmoid per normalised pixel unit: the threshold starts
#: at the mean pixel (always between background and objects); this slope makes ``p`` nearly
#: binary from the start: background p ~ 2e-9 when objects cover 10% of a two-level image,
#: 0.0025 when they cover 1% (training then moves the threshold). With 20, p ~ 0.0014 at
#: 10%: about 6 blobs' worth of one-pixel corners in a 64x64 image, for other weights to
#: cancel.
STEEPNESS = 60.0
#: Logit of the frame pixels: p = sigmoid(-20) ~ 2e-9 (off) or 1 - 2e-9 (on).
FRAME_LOGIT = 20.0


def pattern_kernels(windows: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The fixed weights: ``(2, 2, 1, 8)`` picking ``+z_i, -z_i``, ``(1, 1, 8, 16)`` adding,
    for each pattern, ``log p_i`` where its bit i is on and ``log(1 - p_i)`` where off, and
    ``(16, 3)`` making the :data:`FEATURES` from the patterns' mean over ``windows`` windows
    (once the mean is multiplied by ``windows / CORNERS_PER_BLOB``).

    Example:
        >>> pick, add, group = pattern_kernels(windows=4.0)
        >>> pick.shape, add.shape, int(add.sum()), group.sum(axis=0).tolist()
        ((2, 2, 1, 8), (1, 1, 8, 16), 64, [0.0, 2.0, 256.0])
    """
    pick = np.zeros((2, 2, 1, 8), dtype="float32")
    for i in range(4):
        pick[i // 2, i % 2, 0, i] = 1.0
        pick[i // 2, i % 2, 0, 4 + i] = -1.0
    add = np.zeros((1, 1, 8, len(PATTERNS)), dtype="float32")
    for j, m in enumerate(PATTERNS):
        for i in range(4):
            add[0, 0, i if m >> i & 1 else 4 + i, j] = 1.0
    group = np.zeros((len(PATTERNS), len(FEATURES)), dtype="float32")
    for j, m in enumerate(PATTERNS):
        bits = bin(m).count("1")
        group[j, 0] = {1: 1.0, 3: -1.0}.get(bits, 0.0)
        group[j, 1] = 1.0 if m in (6, 9) else 0.0
    group[:, 2] = LEVER * CORNERS_PER_BLOB / windows  # the indicators sum to 1 per window
    return pick, add, group


def _foreground_logit(x: Any, data_format: str, filters: int, hidden: int, channels: int) -> Any:
    """Per-pixel foreground logit: ``hidden`` 1x1 relu layers, then a steep 1x1 unit."""
    from keras import initializers, layers

    for i in range(1, hidden + 1):  # for colours a linear threshold cannot separate
        x = layers.Conv2D(
            filters,
            1,
            activation="relu",
            kernel_initializer="he_normal",
            data_format=data_format,
            name=f"pointwise{i}",
        )(x)
    init = (
        initializers.Constant(STEEPNESS / channels)
        if hidden == 0
        else initializers.RandomNormal(stddev=STEEPNESS / filters**0.5)
    )
    return layers.Conv2D(1, 1, kernel_initializer=init, data_format=data_format, name="foreground")(
        x
    )


def quad_counts(inputs: Any, spec: InputSpec, data_format: str, filters: int, hidden: int) -> Any:
    """``(N, 1)``: a weighted sum of the :data:`FEATURES` of the soft pattern counts (frame
    off) and their change with the frame on, divided by :data:`CORNERS_PER_BLOB`; the
    weights start at zero.

    Args:
        inputs: the normalised pixels (the builder's).
        spec: the input contract (its channels set the initial slope).
        data_format: ``channels_last`` or ``channels_first``.
        filters: width of the hidden 1x1 layers.
        hidden: how many hidden 1x1 layers before the foreground unit (0: a linear threshold).

    Returns:
        The weighted sum, for the builder's linear head.

    Example:
        >>> import kerazoo                                                   # doctest: +SKIP
        >>> kerazoo.get_architecture("counter", detector="quads")            # doctest: +SKIP
    """
    from keras import initializers, layers

    z = _foreground_logit(inputs, data_format, filters, hidden, spec.channels)
    windows = float((spec.height + 1) * (spec.width + 1))
    pick_w, add_w, group_w = pattern_kernels(windows)
    pick = layers.Conv2D(
        8,
        2,
        use_bias=False,
        activation="log_sigmoid",
        trainable=False,
        data_format=data_format,
        name="quad_pixels",
    )
    add = layers.Conv2D(
        len(PATTERNS),
        1,
        use_bias=False,
        activation="exponential",
        trainable=False,
        data_format=data_format,
        name="quad_patterns",
    )
    group = layers.Dense(len(FEATURES), use_bias=False, trainable=False, name="quad_classes")
    counts = []
    for frame, sign in (("off", -1.0), ("on", 1.0)):
        # stock layers pad with zeros only: shift, pad, shift back = a frame of sign * 20
        f = layers.Rescaling(1.0, offset=-sign * FRAME_LOGIT, name=f"frame_{frame}_shift")(z)
        f = layers.ZeroPadding2D(1, data_format=data_format, name=f"frame_{frame}")(f)
        f = layers.Rescaling(1.0, offset=sign * FRAME_LOGIT, name=f"frame_{frame}_logit")(f)
        f = add(pick(f))
        f = layers.GlobalAveragePooling2D(data_format=data_format, name=f"mean_{frame}")(f)
        f = group(f)
        counts.append(layers.Rescaling(windows / CORNERS_PER_BLOB, name=f"counts_{frame}")(f))
    pick.set_weights([pick_w])
    add.set_weights([add_w])
    group.set_weights([group_w])
    border = layers.Subtract(name="border_change")([counts[1], counts[0]])  # constant: 0
    x = layers.Concatenate(name="pattern_counts")([counts[0], border])
    # zero start (as the conv detector's density): the count starts at the middle of the
    # range, and the head's random weights do not scatter it by hundreds
    return layers.Dense(
        1, use_bias=False, kernel_initializer=initializers.Zeros(), name="pattern_weights"
    )(x)
