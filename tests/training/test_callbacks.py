"""The run-file callbacks as a user adds them to a plain ``model.fit``."""

from __future__ import annotations

import csv

import numpy as np
from PIL import Image

import kerazoo
from kerazoo.training._callbacks import Checkpoint, Curves, HistoryCSV
from tests.fixtures.tiny_data import Bars


def test_run_file_callbacks_work_in_a_plain_fit(tmp_path) -> None:
    ds = Bars(size=12)
    split = ds.split(32, 16, seed=0)
    model = kerazoo.build("lenet", ds, adapt=split.train.images)
    model.fit(
        kerazoo.make_batches(split.train, model, 16),
        validation_data=kerazoo.make_batches(split.val, model, 16, shuffle=False),
        epochs=2,
        verbose=0,
        shuffle=False,
        callbacks=[
            HistoryCSV(tmp_path / "h.csv"),
            Checkpoint(tmp_path),
            Curves(tmp_path / "c.png"),
        ],
    )
    with open(tmp_path / "h.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["epoch"] for r in rows] == ["1", "2"] and "val_accuracy" in rows[0]
    again, meta = kerazoo.load_model(tmp_path / "checkpoint.keras")
    assert meta["task"]["class_names"] == ["band0", "band1", "band2"]
    for a, b in zip(model.get_weights(), again.get_weights(), strict=True):
        assert np.array_equal(a, b)
    assert (tmp_path / "best.keras").is_file()
    with Image.open(tmp_path / "c.png") as im:  # a short run is drawn once, at its end
        assert im.format == "PNG" and im.size[0] > 200
    assert not list(tmp_path.glob(".*tmp*"))  # no temporary file left behind
