"""Vectorised drawing shared by the synthetic datasets (private).

Everything here draws a whole batch at once with numpy broadcasting, and uses only
``+ - * /`` and comparisons on floats (IEEE-exact on every machine) or integer arithmetic,
so the same random draws give bit-identical pixels everywhere. Pixel ``(row, col)`` has its
centre at coordinates ``(y, x) = (row, col)``, as in scikit-image.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

#: Images rendered per chunk: bounds the memory of the (chunk, H, W) temporaries.
CHUNK = 256

# tan(22.5 degrees): rotations are drawn as a random quarter turn times a rational rotation
# of at most 45 degrees either way (no sin/cos, whose last bit differs between math libraries)
_TAN_22_5 = float(np.sqrt(2.0) - 1.0)


def chunks(n: int, size: int = CHUNK) -> Iterator[slice]:
    """Slices ``[0:size], [size:2*size], ...`` covering ``range(n)``."""
    for start in range(0, n, size):
        yield slice(start, min(n, start + size))


def random_rotations(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``(cos, sin)`` of ``n`` random angles covering the full circle, without trig functions.

    A quarter turn ``q`` in 0..3 is combined with ``t = tan(a/2)`` uniform in
    ``[-tan(22.5°), tan(22.5°)]`` through ``cos a = (1-t²)/(1+t²)``, ``sin a = 2t/(1+t²)``:
    nearly uniform in angle and exactly reproducible.
    """
    q = rng.integers(0, 4, size=n)
    t = rng.uniform(-_TAN_22_5, _TAN_22_5, size=n)
    d = 1.0 + t * t
    c0, s0 = (1.0 - t * t) / d, 2.0 * t / d
    cos = np.choose(q, [c0, -s0, -c0, s0])
    sin = np.choose(q, [s0, c0, -s0, -c0])
    return cos, sin


def disk_masks(
    h: int, w: int, cy: np.ndarray, cx: np.ndarray, r: np.ndarray, out: np.ndarray | None = None
) -> np.ndarray:
    """One filled disk per image: ``(y-cy)² + (x-cx)² <= r²`` on an ``(n, h, w)`` grid.

    Args:
        h, w: image size.
        cy, cx, r: ``(n,)`` centres and radii (floats allowed).
        out: an ``(n, h, w)`` bool array to OR the disks into, or None for a new one.
    """
    y = np.arange(h, dtype=np.float64)
    x = np.arange(w, dtype=np.float64)
    dy2 = (y[None, :] - cy[:, None]) ** 2  # (n, h)
    rest = r[:, None] ** 2 - (x[None, :] - cx[:, None]) ** 2  # (n, w)
    inside = dy2[:, :, None] <= rest[:, None, :]
    if out is None:
        return inside
    out |= inside
    return out


def polygon_masks(
    pieces: Sequence[np.ndarray],
    h: int,
    w: int,
    cy: np.ndarray,
    cx: np.ndarray,
    radius: np.ndarray,
    cos: np.ndarray,
    sin: np.ndarray,
) -> np.ndarray:
    """A union of convex polygons per image, scaled, rotated and moved, as ``(n, h, w)`` bool.

    Args:
        pieces: convex polygons, each a ``(K, 2)`` array of unit ``(x, y)`` vertices in
            counter-clockwise order on screen (y down), inside the unit circle.
        h, w: image size.
        cy, cx: ``(n,)`` centres; radius: ``(n,)`` scale (the unit circle's radius).
        cos, sin: ``(n,)`` rotation of each image's shape.

    A pixel centre is inside a piece when it is on the inner side of every edge (a
    half-plane test per edge, broadcast over the batch): no per-pixel Python loop.
    """
    n = cy.shape[0]
    y = np.arange(h, dtype=np.float64)
    x = np.arange(w, dtype=np.float64)
    out = np.zeros((n, h, w), dtype=bool)
    col = (slice(None), None)
    for verts in pieces:
        ux, uy = verts[:, 0][None, :], verts[:, 1][None, :]
        vx = cx[col] + radius[col] * (cos[col] * ux - sin[col] * uy)  # (n, K)
        vy = cy[col] + radius[col] * (sin[col] * ux + cos[col] * uy)
        inside = np.ones((n, h, w), dtype=bool)
        k = verts.shape[0]
        for i in range(k):
            ax, ay = vx[:, i], vy[:, i]
            bx, by = vx[:, (i + 1) % k], vy[:, (i + 1) % k]
            ex, ey = bx - ax, by - ay
            # inner side: cross(b - a, p - a) >= 0  <=>  ex*py - ey*ax... rearranged so
            # one side depends on the row only and the other on the column only
            lhs = ex[:, None] * y[None, :] + (ey * ax - ex * ay)[:, None]  # (n, h)
            rhs = ey[:, None] * x[None, :]  # (n, w)
            inside &= lhs[:, :, None] >= rhs[:, None, :]
        out |= inside
    return out


_OFFSETS: dict[int, np.ndarray] = {}


def _disk_offsets(r: int, w: int) -> np.ndarray:
    key = r * 1_000_003 + w
    if key not in _OFFSETS:
        yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
        keep = yy * yy + xx * xx <= r * r
        _OFFSETS[key] = (yy[keep] * w + xx[keep]).astype(np.int64)
    return _OFFSETS[key]


def scatter_disks(
    n: int, h: int, w: int, img: np.ndarray, cy: np.ndarray, cx: np.ndarray, r: np.ndarray
) -> np.ndarray:
    """Many integer disks at once: ``(n, h, w)`` bool with every listed disk filled.

    Each disk (pixels with ``dy² + dx² <= r²`` around an integer centre) must lie inside
    its image. The disks of one radius are drawn together by adding a precomputed template
    of flat offsets to their flat centre indices: one fancy-index write per distinct radius.

    Args:
        n, h, w: batch and image size.
        img, cy, cx, r: ``(m,)`` integer arrays: image index, centre row/column, radius.
    """
    flat = np.zeros(n * h * w, dtype=bool)
    centre = (img.astype(np.int64) * h + cy) * w + cx
    for radius in np.unique(r):
        offsets = _disk_offsets(int(radius), w)
        flat[(centre[r == radius][:, None] + offsets[None, :]).ravel()] = True
    return flat.reshape(n, h, w)


def add_noise(images: np.ndarray, rng: np.random.Generator, amplitude: float) -> np.ndarray:
    """Add uniform integer noise in ``[-a, a]`` grey levels (``a = round(amplitude*255)``).

    Integer noise keeps the result bit-identical on every machine. Returns a new uint8
    array (the input is returned unchanged when the amplitude rounds to 0).
    """
    a = int(round(amplitude * 255))
    if a == 0:
        return images
    noise = rng.integers(-a, a + 1, size=images.shape, dtype=np.int16)
    return np.clip(images.astype(np.int16) + noise, 0, 255).astype(np.uint8)


#: Sub-pixel samples per side when a disk is drawn anti-aliased: coverage in 1/16 steps.
SUPERSAMPLE = 4

_COVERAGE: dict[tuple[int, int], np.ndarray] = {}


def _coverage_template(r: int, samples: int) -> np.ndarray:
    """``(2r+3, 2r+3)`` int: how many of ``samples²`` points of each pixel lie in the disk.

    The disk is the continuous one of radius ``r`` around the centre pixel's centre; the
    points are a regular grid inside each pixel square (no randomness, exact on floats).
    """
    key = (r, samples)
    if key not in _COVERAGE:
        side = r + 1
        sub = (np.arange(samples, dtype=np.float64) + 0.5) / samples - 0.5
        d = np.arange(-side, side + 1, dtype=np.float64)
        y = (d[:, None] + sub[None, :]).ravel()  # every sample row, pixel by pixel
        inside = (y[:, None] ** 2 + y[None, :] ** 2) <= float(r * r)
        n = 2 * side + 1
        _COVERAGE[key] = inside.reshape(n, samples, n, samples).sum(axis=(1, 3))
    return _COVERAGE[key]


def render_disks(
    n: int,
    h: int,
    w: int,
    disks: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    antialias: bool,
) -> tuple[np.ndarray, np.ndarray, int]:
    """How much of each pixel the disks cover, and which disk covers it most.

    Args:
        n, h, w: batch and image size.
        disks: ``(img, cy, cx, r)``, ``(m,)`` integer arrays as for :func:`scatter_disks`.
        antialias: False: a pixel is covered (fully) when its centre is within ``r`` of the
            disk's centre, as :func:`scatter_disks` draws; True: by the fraction of its
            square inside the continuous disk of radius ``r``, in ``SUPERSAMPLE²`` steps.

    Returns:
        ``(coverage, owner, full)``: ``(n, h, w)`` int coverage in ``0..full``, and the
        index into ``disks`` of the disk covering each pixel most (ties: the later disk; 0
        where nothing covers it).

    Pixels are combined with ``numpy.maximum.at`` on ``coverage * m + index``, which is
    order-free, so overlapping disks give the same bits on every machine.
    """
    img, cy, cx, r = disks
    m = max(int(img.size), 1)
    full = SUPERSAMPLE**2 if antialias else 1
    # padded by the largest template's reach so partial edge pixels never wrap a row
    pad = int(r.max(initial=0)) + 1
    hp, wp = h + 2 * pad, w + 2 * pad
    key = np.zeros(n * hp * wp, dtype=np.int64)
    centre = (img.astype(np.int64) * hp + cy + pad) * wp + cx + pad
    index = np.arange(img.size, dtype=np.int64)
    for radius in np.unique(r):
        rad = int(radius)
        if antialias:
            tmpl = _coverage_template(rad, SUPERSAMPLE)
        else:
            yy, xx = np.mgrid[-rad - 1 : rad + 2, -rad - 1 : rad + 2]
            tmpl = (yy * yy + xx * xx <= rad * rad).astype(np.int64)
        side = tmpl.shape[0] // 2
        yy, xx = np.mgrid[-side : side + 1, -side : side + 1]
        keep = tmpl > 0
        offsets = (yy[keep] * wp + xx[keep]).astype(np.int64)
        sel = r == radius
        at = (centre[sel][:, None] + offsets[None, :]).ravel()
        value = (tmpl[keep][None, :].astype(np.int64) * m + index[sel][:, None]).ravel()
        np.maximum.at(key, at, value)
    key = key.reshape(n, hp, wp)[:, pad : pad + h, pad : pad + w]
    return key // m, key % m, full


def blend(
    coverage: np.ndarray, full: int, foreground: np.ndarray, background: np.ndarray
) -> np.ndarray:
    """``background`` where coverage is 0, ``foreground`` where it is ``full``, mixed between.

    Args:
        coverage: ``(n, h, w)`` ints in ``0..full``.
        full: the coverage of a fully covered pixel.
        foreground: ``(n, h, w, C)`` colours of the covering disks (uint8 or ints).
        background: ``(C,)`` or broadcastable background colour.

    Returns:
        ``uint8 (n, h, w, C)``, rounded half up with integer arithmetic (bit-exact).
    """
    cov = coverage[..., None].astype(np.int64)
    fg = foreground.astype(np.int64)
    bg = np.asarray(background, dtype=np.int64)
    return ((fg * cov + bg * (full - cov) + full // 2) // full).astype(np.uint8)
