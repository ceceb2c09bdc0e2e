"""A body layer may not take a name the builder gives its own layers, and the list is true."""

from __future__ import annotations

import re

import keras
import pytest

import kerazoo
from kerazoo.models._body_rules import RESERVED_LAYER_NAMES
from kerazoo.models._build import build
from tests.fixtures.tiny_data import Bars, Brightness


class _Named(kerazoo.Architecture):
    """One convolution whose layer name is a hyperparameter."""

    description = "one named convolution"
    hyperparameters = {"layer": kerazoo.Param("conv", str)}
    plugin = "kz-named 0.1"

    def build_body(self, inputs, spec, data_format):
        return keras.layers.Conv2D(2, 3, data_format=data_format, name=self.config["layer"])(inputs)


@pytest.mark.parametrize("name", ["logits", "normalize", "pixels", "rescale", "value", "softmax"])
def test_a_body_layer_with_a_reserved_name_is_refused_by_name(name: str) -> None:
    expected = (
        re.escape(f"architecture '_Named' from kz-named 0.1 built a body with layer {name!r} ")
        + r"\(Conv2D\): that name is reserved for the layers kerazoo adds around a body; rename it"
        ".*Reserved: " + re.escape(", ".join(RESERVED_LAYER_NAMES))
    )
    with pytest.raises(kerazoo.PluginError, match=expected):
        build(_Named(layer=name), Bars(size=8))


def test_an_ordinary_name_builds() -> None:
    model = build(_Named(layer="features"), Bars(size=8))
    assert "features" in [layer.name for layer in model.layers]


@pytest.mark.parametrize(
    ("dataset", "options"),
    [
        (Bars(size=8), {}),
        (Bars(size=8, classes=2), {"softmax": True}),
        (Brightness(size=8), {"normalization": "image"}),
        (Bars(size=8), {"encoding": "onehot", "softmax": True, "pad_to": 12}),
    ],
)
def test_every_layer_the_builder_adds_is_in_the_reserved_list(dataset, options) -> None:
    model = build(_Named(layer="features"), dataset, **options)
    added = {layer.name for layer in model.layers} - {"features"}
    assert added <= set(RESERVED_LAYER_NAMES), added - set(RESERVED_LAYER_NAMES)


@pytest.mark.parametrize("page", ["plugins.md", "plugin_guide.md"])
def test_the_docs_list_every_reserved_name(page: str) -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / page).read_text()
    listed = ", ".join(f"`{name}`" for name in RESERVED_LAYER_NAMES)
    assert " ".join(listed.split()) in " ".join(text.split())
