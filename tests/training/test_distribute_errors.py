"""Device placements refused before anything is built or trained."""

from __future__ import annotations

import json

import pytest

import kerazoo
from kerazoo._errors import IncompatibleError


def test_devices_are_refused_on_a_worker_of_a_cluster(tmp_path, monkeypatch) -> None:
    cluster = {"cluster": {"worker": ["localhost:1", "localhost:2"]}}
    monkeypatch.setenv("TF_CONFIG", json.dumps({**cluster, "task": {"type": "worker", "index": 0}}))
    with pytest.raises(
        IncompatibleError,
        match=r"devices[ =]2 with TF_CONFIG: a worker of a cluster uses all its own GPUs \(or its "
        r"CPU\); leave .*devices out",
    ):
        kerazoo.train("shapes", "lenet", devices=2, data={"size": 16}, out=tmp_path / "run")
    assert not (tmp_path / "run").exists()
