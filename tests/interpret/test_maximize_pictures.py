"""``kerazoo look maximize``'s choices and refusals, from Python: the same defaults (the last
convolution and the classes) and the same errors as the command."""

from __future__ import annotations

import pytest

import kerazoo
from kerazoo._errors import IncompatibleError, InvalidOptionError
from kerazoo.interpret._maximize_pictures import maximize_pictures, regularizers_without

PNG = b"\x89PNG"


def test_by_default_the_last_convolution_and_the_classes(random_model, tmp_path) -> None:
    done = maximize_pictures(random_model, tmp_path, steps=1)
    assert [p.name for p in done.written] == ["maximize-conv2.png", "maximize-classes.png"]
    assert all(p.read_bytes().startswith(PNG) for p in done.written)
    assert (
        "1 steps from seed 0; filters: parametrisation fft (1/f spectrum, random "
        "transformations); classes: parametrisation maco (phase, the training images' "
        "magnitude, random transformations)"
    ) in done.lines()


def test_a_layer_alone_and_a_model_without_classes(tmp_path) -> None:
    counter = kerazoo.build("lenet", kerazoo.get_dataset("circles", size=32, target="count"))
    done = maximize_pictures(counter, tmp_path, steps=1, filters=[0])
    assert [p.name for p in done.written] == ["maximize-conv2.png"]
    assert done.note == "a regression model has no classes to maximise"
    one = maximize_pictures(
        counter,
        tmp_path,
        layer="conv1",
        steps=1,
        regularizers=regularizers_without("tv"),
        param="pixel",
    )
    assert [p.name for p in one.written] == ["maximize-conv1.png"] and one.note is None


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"classes": True, "filters": [0]},
            IncompatibleError,
            r"filters picks a layer's filters; with classes name the classes instead: "
            r"classes='circle,square'",
        ),
        (
            {"classes": True, "k": 3},
            IncompatibleError,
            r"k shows the dataset images that excite a layer's filters; it does not take "
            r"classes\. Leave out classes",
        ),
        ({"k": 3, "samples": 0}, InvalidOptionError, r"samples=0: give 1 or more samples\."),
        (
            {"classes": ["circle"], "layer": "conv1"},
            InvalidOptionError,
            r"layer picks a layer's filters and classes the class logits: give one of them, "
            r"got layer='conv1' and classes\.",
        ),
    ],
)
def test_refusals_from_python(random_model, tmp_path, kwargs, error, message) -> None:
    with pytest.raises(error, match=message):
        maximize_pictures(random_model, tmp_path, steps=1, **kwargs)
    assert not list(tmp_path.iterdir())  # refused before drawing anything
