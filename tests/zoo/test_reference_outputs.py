"""Reference outputs: every shipped model computes what its card recorded, within 1e-4, on
TensorFlow and on JAX. Each backend runs in a child process of its own (a process has one
Keras backend), so the default test run checks both."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.zoo.conftest import BUILTIN

_CHECK = """
import json, kerazoo
from kerazoo.zoo._reference import compare_reference
out = {}
for name in %r:
    card = kerazoo.get_zoo(name)
    out[name] = compare_reference(card.folder / "model.keras", card.card["reference"])
print(json.dumps(out))
"""


@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_reference_outputs_match_on_each_backend(backend: str) -> None:
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [sys.executable, "-c", _CHECK % (BUILTIN,)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    differences = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(differences) == set(BUILTIN)
    far = {name: d for name, d in differences.items() if not d <= 1e-4}
    assert not far, f"on {backend}, outputs differ from the cards by more than 1e-4: {far}"
