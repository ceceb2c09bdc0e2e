"""Reconstructions as files: each output image under one folder, at its input's place.

An input ``x/a.jpg`` is written as ``OUT/x/a.png``, with the inputs' paths taken relative to
the folder they have in common (a folder given is that folder), so two inputs never share a
file. Nothing is overwritten: a name already taken in ``OUT`` refuses the whole call before
anything is written, and each file is created only if no file of that name appeared
meanwhile.

Example:
    >>> output_names(["x/a.png", "y/a.png", "z/a-2.png"], ["x/a.png", "y/a.png", "z/a-2.png"])
    ['x/a.png', 'y/a.png', 'z/a-2.png']
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from itertools import chain, count
from pathlib import Path, PurePosixPath
from typing import Any

from kerazoo._errors import IncompatibleError, OutputError, option
from kerazoo._files import check_output_folder

__all__ = ["check_writes_images", "output_names", "write_images"]


def check_writes_images(kind: str) -> None:
    """Only a reconstruction model outputs images to write; refuse ``out`` for any other.

    Args:
        kind: the model's task kind (``predictor.task.kind``).

    Raises:
        IncompatibleError: a classification or regression model.

    Example:
        >>> check_writes_images("reconstruction")
    """
    if kind != "reconstruction":
        raise IncompatibleError(
            f"{option('out')} writes the images a reconstruction model outputs, but this model "
            f"is {kind}: its results are printed. Leave {option('out')} out."
        )


def output_names(sources: Sequence[str], inputs: Sequence[str | os.PathLike[str]]) -> list[str]:
    """The file name (``/``-joined, ending in ``.png``) under the output folder of each source.

    Args:
        sources: each result's ``source``: a path found from ``inputs``, or ``#i``.
        inputs: the paths given (files and folders): a folder's files are named relative to
            it, a file relative to its folder, all relative to the folders' common parent.

    Returns:
        One distinct name per source: ``a.jpg`` becomes ``a.png``; where two inputs would
        share a name, an input named ``.png`` keeps it and the other becomes ``a.jpg.png``
        (or ``a-2.png``...: never a name another input has).

    Example:
        >>> output_names(["d/a.jpg", "d/a.png", "#2"], ["d/a.jpg", "d/a.png"])
        ['a.jpg.png', 'a.png', 'image2.png']
    """
    bases = [os.path.abspath(p if Path(p).is_dir() else Path(p).parent) for p in inputs]
    common = os.path.commonpath(bases) if bases else os.getcwd()
    natural, alternatives = [], []
    for i, source in enumerate(sources):
        if source.startswith("#") or not source:
            rel = PurePosixPath(f"image{i}")
        else:
            rel = PurePosixPath(Path(os.path.relpath(os.path.abspath(source), common)).as_posix())
        png = rel.with_name(f"{rel.stem}.png") if rel.suffix else rel.with_name(f"{rel.name}.png")
        natural.append(str(png))
        alternatives.append((rel, png))
    wanted = set(natural)
    names: dict[int, str] = {}
    # an input already named NAME.png keeps its name; then the others, in input order
    for i in sorted(range(len(natural)), key=lambda i: (alternatives[i][0].suffix != ".png", i)):
        rel, png = alternatives[i]
        name = natural[i]
        if name in names.values():
            tries = chain(
                [rel.with_name(f"{rel.name}.png")],
                (png.with_name(f"{png.stem}-{k}.png") for k in count(2)),
            )
            name = next(str(t) for t in tries if str(t) not in wanted)
            wanted.add(name)
        names[i] = name
    return [names[i] for i in range(len(natural))]


def write_images(
    results: Sequence[Any], out: str | os.PathLike[str], inputs: Sequence[str | os.PathLike[str]]
) -> dict[int, Path]:
    """Write each :class:`~kerazoo.predict._results.ImagePrediction`'s image as a PNG under
    ``out``, at its input's relative path (see :func:`output_names`).

    Args:
        results: what ``Predictor.predict(inputs)`` returned for a reconstruction model.
        out: the folder (made if needed).
        inputs: the paths given to ``predict``.

    Returns:
        Result index -> file written.

    Raises:
        IncompatibleError: a result that is not an image (:func:`check_writes_images`).
        OutputError: ``out`` is not a folder, a file to write exists already (nothing is
            written then: a file predict did not write in this call is never replaced), or
            a file cannot be written.

    Example:
        >>> write_images(predictor.predict(["x/a.png"]), "recon", ["x/a.png"])  # doctest: +SKIP
        {0: PosixPath('recon/a.png')}
    """
    from kerazoo.predict._results import ClassPrediction, ImagePrediction

    for result in results:
        if not isinstance(result, ImagePrediction):
            check_writes_images(
                "classification" if isinstance(result, ClassPrediction) else "regression"
            )
    folder = check_output_folder(out)
    targets = [folder / name for name in output_names([r.source for r in results], inputs)]
    there = [t for t in targets if os.path.lexists(t)]
    if there:
        raise OutputError(
            f"Refusing to write into {folder}: {len(there)} of the {len(targets)} files "
            f"exist already (e.g. {there[0]}), and predict never overwrites a file. Give a "
            f"new or empty folder, e.g. {option('out', str(folder) + '-2')}.",
            there[0],
        )
    return {
        i: r.save(t, overwrite=False) for i, (r, t) in enumerate(zip(results, targets, strict=True))
    }
