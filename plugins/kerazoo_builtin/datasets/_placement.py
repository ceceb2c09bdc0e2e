"""Random placement of separate (non-touching) integer disks, vectorised over images (private).

Two disks count as separate when their centres are more than ``r1 + r2 + 1.5`` apart: then no
pixel of one is 8-adjacent to a pixel of the other, so ``skimage.measure.label`` sees two
blobs. The placement is random sequential adsorption, made fast and exact with a *clearance
map* per image: for every possible centre, the largest radius a new disk there may have
without touching a placed disk or leaving the image. Testing a candidate is one lookup;
placing a disk lowers the map around it with one gather-min-scatter of a precomputed
template; candidates are drawn only among centres still free for the smallest radius, so
crowded images do not waste draws. An image that runs out of free centres before reaching
its count starts again from empty.
"""

from __future__ import annotations

import numpy as np

__all__ = ["PlacementError", "place_separate_disks", "placement_successes"]

#: Candidates drawn per missing disk and round.
CANDIDATES_PER_DISK = 2
#: Rounds per attempt before an image starts again (a safety net; jams restart earlier).
ROUNDS = 64
#: Bytes of clearance maps per batch of images placed together.
MAP_BUDGET = 32 * 1024 * 1024


class PlacementError(RuntimeError):
    """Some image could not get its disks after every allowed attempt."""


def _templates(rmin: int, rmax: int, w: int) -> tuple[int, int, dict[int, tuple]]:
    """Pad, padded width, and for each radius r: the flat offsets around a disk of radius r
    where no disk fits any more, and those where the clearance drops below rmax, with the
    clearance each of these keeps."""
    pad = 2 * rmax + 2
    wp = w + 2 * pad
    out: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for r in range(rmin, rmax + 1):
        span = r + rmax + 2
        yy, xx = np.mgrid[-span : span + 1, -span : span + 1]
        d4 = 4 * (yy * yy + xx * xx)
        keep = np.full(yy.shape, rmin - 1, dtype=np.int16)  # blocked for every radius
        for q in range(rmin, rmax + 1):
            e = 2 * (r + q) + 3  # twice the least centre distance r + q + 1.5
            keep[d4 > e * e] = q
        flat = (yy * wp + xx).astype(np.int64)
        block, near = keep < rmin, (keep >= rmin) & (keep < rmax)
        out[r] = (flat[block], flat[near], keep[near])
    return pad, wp, out


def _base_map(rmin: int, rmax: int, h: int, w: int, pad: int) -> np.ndarray:
    """Clearance of an empty image: the distance to the border, capped at rmax."""
    y = np.arange(h + 2 * pad)[:, None] - pad
    x = np.arange(w + 2 * pad)[None, :] - pad
    room = np.minimum(np.minimum(y, h - 1 - y), np.minimum(x, w - 1 - x))
    return np.clip(room, rmin - 1, rmax).astype(np.int16).ravel()


def place_separate_disks(
    rng: np.random.Generator,
    counts: np.ndarray,
    h: int,
    w: int,
    rmin: int,
    rmax: int,
    restarts: int = 30,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Place ``counts[i]`` separate disks in image ``i``; radii uniform in ``rmin..rmax``.

    Args:
        rng: the only source of randomness.
        counts: ``(n,)`` number of disks per image.
        h, w: image size; every disk lies fully inside.
        rmin, rmax: integer radius range (a disk is ``dy² + dx² <= r²``).
        restarts: how many times one image may start again before giving up.

    Returns:
        ``(img, cy, cx, r)``: one entry per disk, grouped by image in order.

    Raises:
        PlacementError: an image still misses disks after ``restarts`` new starts.
    """
    counts = np.asarray(counts, dtype=np.int64)
    cy, cx, rr, failed = _place(rng, counts, h, w, rmin, rmax, restarts)
    if failed.any():
        raise PlacementError(
            f"could not place {int(counts[failed].max())} separate disks after "
            f"{restarts + 1} attempts"
        )
    m = cy.shape[1]
    slot = np.arange(m)[None, :] < counts[:, None]
    img = np.broadcast_to(np.arange(counts.size)[:, None], (counts.size, m))[slot]
    return img, cy[slot], cx[slot], rr[slot]


def placement_successes(count: int, trials: int, h: int, w: int, rmin: int, rmax: int) -> int:
    """In how many of ``trials`` images ``count`` separate disks fit at the first attempt.

    Uses its own fixed-seed generator, so the answer is the same every time.
    """
    rng = np.random.default_rng(0)
    failed = _place(rng, np.full(trials, count, dtype=np.int64), h, w, rmin, rmax, 0)[3]
    return int(trials - failed.sum())


def _place(
    rng: np.random.Generator,
    counts: np.ndarray,
    h: int,
    w: int,
    rmin: int,
    rmax: int,
    restarts: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n, nq = counts.size, rmax - rmin + 1
    m = max(int(counts.max(initial=0)), 1)
    pad, wp, offsets = _templates(rmin, rmax, w)
    base = _base_map(rmin, rmax, h, w, pad)
    cy = np.zeros((n, m), dtype=np.int64)
    cx = np.zeros((n, m), dtype=np.int64)
    rr = np.zeros((n, m), dtype=np.int64)
    failed = np.zeros(n, dtype=bool)
    step = max(1, MAP_BUDGET // (2 * base.size))
    for start in range(0, n, step):
        part = slice(start, min(n, start + step))
        failed[part] = _place_batch(
            rng,
            counts[part],
            h,
            w,
            rmin,
            nq,
            pad,
            wp,
            offsets,
            base,
            restarts,
            cy[part],
            cx[part],
            rr[part],
        )
    return cy, cx, rr, failed


def _place_batch(
    rng: np.random.Generator,
    want: np.ndarray,
    h: int,
    w: int,
    rmin: int,
    nq: int,
    pad: int,
    wp: int,
    offsets: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]],
    base: np.ndarray,
    restarts: int,
    cy: np.ndarray,
    cx: np.ndarray,
    rr: np.ndarray,
) -> np.ndarray:
    """Fill ``cy, cx, rr`` in place; return which images failed every attempt."""
    n = want.size
    per = base.size  # one image's map
    clear = np.tile(base, n)
    got = np.zeros(n, dtype=np.int64)
    tries = np.zeros(n, dtype=np.int64)
    rounds = np.zeros(n, dtype=np.int64)
    failed = np.zeros(n, dtype=bool)
    rows = (np.arange(pad, pad + h)[:, None] * wp + np.arange(pad, pad + w)[None, :]).ravel()

    def attempt(imgs: np.ndarray, pos: np.ndarray, qi: np.ndarray) -> None:
        """Try candidate centres ``pos`` (padded flat) with radius indices ``qi`` in order."""
        for j in range(pos.shape[1]):
            act = np.flatnonzero(got[imgs] < want[imgs])
            if act.size == 0:
                return
            img = imgs[act]
            where = pos[act, j]
            ok = clear[img * per + where] >= qi[act, j] + rmin
            img, where, q = img[ok], where[ok], qi[act[ok], j] + rmin
            slot = got[img]
            cy[img, slot] = where // wp - pad
            cx[img, slot] = where % wp - pad
            rr[img, slot] = q
            got[img] += 1
            centre = img * per + where
            for r in np.unique(q) if nq > 1 else (rmin,):
                block, near, keep = offsets[int(r)]
                at = (centre[q == r] if nq > 1 else centre)[:, None]
                clear[(at + block[None, :]).ravel()] = rmin - 1
                if near.size:
                    # one accepted disk per image per step: no index repeats, plain min works
                    idx = at + near[None, :]
                    clear[idx] = np.minimum(clear[idx], keep[None, :])

    while True:
        short = np.flatnonzero((got < want) & ~failed)
        if short.size == 0:
            return failed
        k = CANDIDATES_PER_DISK * int((want[short] - got[short]).max()) + 4
        fresh = short[rounds[short] == 0]
        if fresh.size:
            # first round of an attempt: the image is nearly empty, so uniform candidates
            # over the centres allowed for the smallest radius waste few draws
            y = rng.integers(rmin, h - rmin, size=(fresh.size, k)) + pad
            x = rng.integers(rmin, w - rmin, size=(fresh.size, k)) + pad
            qi = rng.integers(0, nq, size=(fresh.size, k))
            rounds[fresh] = 1
            attempt(fresh, y * wp + x, qi)
            continue
        # later rounds: draw only among centres still free for the smallest radius (map 0)
        free = clear.reshape(n, per)[short[:, None], rows[None, :]] >= rmin
        nfree = free.sum(axis=1)
        stuck = short[(nfree == 0) | (rounds[short] >= ROUNDS)]
        if stuck.size:
            tries[stuck] += 1
            failed[stuck[tries[stuck] > restarts]] = True
            for i in stuck:
                clear[i * per : (i + 1) * per] = base
            got[stuck], rounds[stuck] = 0, 0
            continue
        rounds[short] += 1
        # the j-th free pixel of each image, j uniform: one flat index list for all images
        where = np.flatnonzero(free.ravel())
        first = np.concatenate(([0], np.cumsum(nfree)[:-1]))
        pick = rng.integers(0, nfree[:, None], size=(short.size, k))
        flat = where[first[:, None] + pick]
        pos = rows[flat - (np.arange(short.size) * h * w)[:, None]]
        attempt(short, pos, rng.integers(0, nq, size=(short.size, k)))
