"""Whether a classifier sees in made-up images the classes they were made for: the images of
class maximisation (:mod:`kerazoo.interpret._maximize_quality`) judged through the
:class:`kerazoo.Predictor`, on the uint8 images a user saves and shows (DESIGN style 12).

Example:
    >>> class_hits(images, ["circle", "square"], "runs/vgg/model.keras")   # doctest: +SKIP
    array([ True,  True])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from kerazoo._errors import IncompatibleError, option

__all__ = ["class_hits"]


def class_hits(images: Any, intended: Sequence[str], judge: Any) -> np.ndarray:
    """``bool [N]``: whether ``judge`` (a ``keras.Model`` made or loaded by kerazoo, or a
    model file) classifies each uint8 image as its ``intended`` class name.

    Raises:
        IncompatibleError: the judge does not classify, or lacks one of the classes.
    """
    from kerazoo.predict._predictor import Predictor

    if isinstance(judge, str) or hasattr(judge, "__fspath__"):
        predictor = Predictor.load(judge, check_shift=False)
    else:
        predictor = Predictor(judge, check_shift=False)
    names = list(predictor.class_names)
    missing = sorted(set(intended) - set(names))
    if predictor.task.kind != "classification" or missing:
        raise IncompatibleError(
            f"The judge {predictor.source!r} must classify the same classes as the images "
            f"show ({', '.join(dict.fromkeys(intended))}); it "
            + (f"lacks {', '.join(missing)}." if missing else f"does a {predictor.task.kind} task.")
            + f" Give {option('transfer')} a model trained on the same dataset."
        )
    labels = [p.label for p in predictor.predict(np.asarray(images))]
    return np.array([got == want for got, want in zip(labels, intended, strict=True)])
