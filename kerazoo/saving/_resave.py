"""Save one model again and again, fast: the checkpoint a run writes after every epoch.

``keras.saving.save_model`` walks every object of the model and builds a new HDF5 file each
time: 40-110 ms for a LeNet on 2 cores, about 0.11 s of every epoch of a JAX run.
While a model trains, the layout of its ``.keras`` file does not change, only the numbers
in it. A :class:`Resaver` saves the model once with Keras (:func:`save_model`), reads back
where each variable's bytes lie in ``model.weights.h5`` (HDF5 keeps an uncompressed,
unchunked dataset as one contiguous run of bytes at a fixed offset), and from then on writes
the same members: ``config.json`` as Keras wrote it, a new ``metadata.json`` (the date),
``model.weights.h5`` with the model's current numbers at those offsets, and ``kerazoo.json``.

It takes that path only when it is sure the result is the file Keras would write:

* the first file holds nothing but those four members (no assets);
* every dataset is contiguous, uncompressed, of a plain numeric type in native byte order,
  in a group whose ``name`` is exactly one object of the model (a layer, the model, its
  optimizer), and that object's public ``save_own_variables`` gives exactly its keys;
* writing the current numbers into the template gives back Keras' own file, byte for byte;
* each later save finds the model's config (``keras.saving.serialize_keras_object``) as it
  was, and every value with the shape and dtype of its dataset.

Anything else (assets, a bfloat16 variable, a layer unfrozen, a rebuilt optimizer) is a full
Keras save, and a new template made from it. Every file is written atomically, as by
:func:`save_model`.

Example:
    >>> saver = Resaver()
    >>> for epoch in range(3):                                          # doctest: +SKIP
    ...     model.fit(x, y, epochs=1)
    ...     saver.save(model, "checkpoint.keras", info)
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from kerazoo._files import atomic_file
from kerazoo.saving._info import METADATA_NAME, ModelInfo
from kerazoo.saving._keras_file import complete_info, metadata_json, save_model

__all__ = ["Resaver"]

_KERAS_MEMBERS = ("metadata.json", "config.json", "model.weights.h5")


@dataclasses.dataclass(frozen=True)
class _Slot:
    """Where one value of ``owner.save_own_variables`` lies in the weights file."""

    offset: int
    dtype: np.dtype
    shape: tuple[int, ...]


@dataclasses.dataclass
class _Template:
    """The file Keras wrote, and where each value goes in its ``model.weights.h5``."""

    config: bytes  # config.json as Keras wrote it
    model_config: str  # the model's config then, to see that it has not changed
    h5: bytes
    owners: list[tuple[Any, dict[str, _Slot]]]

    def weights(self) -> bytes | None:
        """The weights file with the owners' current values (None: the layout changed)."""
        from keras import ops

        image = bytearray(self.h5)
        for owner, slots in self.owners:
            store: dict[str, Any] = {}
            owner.save_own_variables(store)
            if store.keys() != slots.keys():
                return None
            for key, value in store.items():
                array = np.asarray(ops.convert_to_numpy(value))
                slot = slots[key]
                if array.dtype != slot.dtype or array.shape != slot.shape:
                    return None
                data = np.ascontiguousarray(array).tobytes()
                image[slot.offset : slot.offset + len(data)] = data
        return bytes(image)


class Resaver:
    """Saves one model to ``.keras`` files again and again, as :func:`save_model` does.

    The first save (and any save after the model's layout changed) is Keras' own; the
    others write the same file with new numbers (see the module's docstring).
    """

    def __init__(self) -> None:
        self.model: Any = None
        self.template: _Template | None = None
        self.full_saves = 0  # how many saves went through Keras (for tests and benchmarks)

    def save(
        self,
        model: Any,
        path: str | os.PathLike[str],
        metadata: ModelInfo | dict[str, Any] | None = None,
    ) -> Path:
        """Save ``model`` with its kerazoo metadata to ``path`` (``.keras``), atomically.

        Args, Returns, Raises: as :func:`kerazoo.saving._keras_file.save_model`.
        """
        info = complete_info(model, metadata)
        p = Path(path)
        members = self._members(model) if p.suffix.lower() == ".keras" else None
        if members is None:
            save_model(model, p, info)
            self.full_saves += 1
            self.model = model
            self.template = _read_template(p, model) if p.suffix.lower() == ".keras" else None
            return p
        members.append((METADATA_NAME, metadata_json(info).encode()))
        return atomic_file(p, lambda tmp: _write_zip(tmp, members))

    def _members(self, model: Any) -> list[tuple[str, bytes]] | None:
        template = self.template
        if template is None or model is not self.model:
            return None
        if _model_config(model) != template.model_config:
            return None
        weights = template.weights()
        if weights is None:
            return None
        import keras

        stamp = datetime.now().strftime("%Y-%m-%d@%H:%M:%S")
        meta = json.dumps({"keras_version": keras.__version__, "date_saved": stamp})
        return [
            ("metadata.json", meta.encode()),
            ("config.json", template.config),
            ("model.weights.h5", weights),
        ]


def _model_config(model: Any) -> str:
    import keras

    return json.dumps(keras.saving.serialize_keras_object(model), sort_keys=True, default=repr)


def _write_zip(tmp: Path, members: list[tuple[str, bytes]]) -> None:
    """The members in Keras' order and compression (``kerazoo.json`` deflated, as appended)."""
    with zipfile.ZipFile(tmp, "w") as zf:
        for name, data in members:
            deflate = name == METADATA_NAME
            zf.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED if deflate else None)


def _read_template(path: Path, model: Any) -> _Template | None:
    """The template of the file Keras just wrote for ``model``, or None if it cannot be one."""
    with zipfile.ZipFile(path) as zf:
        if sorted(zf.namelist()) != sorted((*_KERAS_MEMBERS, METADATA_NAME)):
            return None
        config, h5 = zf.read("config.json"), zf.read("model.weights.h5")
    owners = _find_owners(h5, _named_objects(model))
    if owners is None:
        return None
    template = _Template(config, _model_config(model), h5, owners)
    return template if template.weights() == h5 else None


def _named_objects(model: Any) -> dict[str, Any]:
    """The model, its optimizer and its layers (nested ones too) by name; a name used twice
    maps to None (its group could belong to either)."""
    found: dict[str, Any] = {}
    todo = [model, getattr(model, "optimizer", None)]
    seen: set[int] = set()
    while todo:
        obj = todo.pop()
        if obj is None or id(obj) in seen:
            continue
        seen.add(id(obj))
        name = getattr(obj, "name", None)
        if isinstance(name, str):
            found[name] = None if name in found else obj
        todo.extend(getattr(obj, "layers", None) or [])
    return found


def _find_owners(h5: bytes, named: dict[str, Any]) -> list[tuple[Any, dict[str, _Slot]]] | None:
    """Each dataset's owner and place, or None if one is not a plain contiguous array of a
    known object."""
    import h5py

    groups: dict[str, tuple[Any, dict[str, _Slot]]] = {}
    bad: list[str] = []

    def visit(name: str, obj: Any) -> None:
        if isinstance(obj, h5py.Group):
            if "name" in obj.attrs:
                owner = named.get(str(obj.attrs["name"]))
                if owner is None:
                    bad.append(name)
                else:
                    groups[name] = (owner, {})
            return
        slot = _slot(obj)
        parent = name.rpartition("/")[0]
        if slot is None or parent not in groups:
            bad.append(name)
        else:
            groups[parent][1][name.rpartition("/")[2]] = slot

    with h5py.File(io.BytesIO(h5), "r") as f:
        f.visititems(visit)
    owners = [(owner, slots) for owner, slots in groups.values() if slots]
    if bad or len({id(owner) for owner, _ in owners}) != len(owners):
        return None
    return owners


def _slot(ds: Any) -> _Slot | None:
    """Where a dataset's bytes lie, if it is one contiguous plain array with no attributes."""
    import h5py

    dtype = ds.dtype
    if ds.attrs.keys() or dtype.kind not in "biuf" or not dtype.isnative:
        return None
    if ds.id.get_create_plist().get_layout() != h5py.h5d.CONTIGUOUS:
        return None
    size = int(np.prod(ds.shape, dtype=np.int64)) * dtype.itemsize
    offset = ds.id.get_offset()
    if offset is None or ds.id.get_storage_size() != size:
        return None
    return _Slot(int(offset), dtype, tuple(ds.shape))
