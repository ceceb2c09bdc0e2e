"""On the JAX backend: more devices than JAX sees, and a TensorFlow cluster, are refused
before anything is built (one child process, as JAX's devices are fixed once it starts)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.fixtures.processes import ROOT

CODE = """
import json, os
import jax
import kerazoo

jax.devices()  # JAX has started: its CPU is one device from now on
for out, env, given in (("a", None, {"devices": 3}), ("b", "cluster", {})):
    if env:
        os.environ["TF_CONFIG"] = json.dumps(
            {"cluster": {"worker": ["localhost:1", "localhost:2"]},
             "task": {"type": "worker", "index": 0}}
        )
    try:
        kerazoo.train("shapes", "lenet", data={"size": 16}, out=out, **given)
    except kerazoo.IncompatibleError as exc:
        print("refused:", exc)
"""


@pytest.mark.slow
def test_jax_refuses_devices_it_does_not_see_and_a_tf_config_cluster(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("XLA_FLAGS", "TF_CONFIG")}
    done = subprocess.run(
        [sys.executable, "-c", CODE],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={**env, "KERAS_BACKEND": "jax", "PYTHONPATH": f"{ROOT}:{env.get('PYTHONPATH', '')}"},
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(
        "refused: devices=3, but JAX sees 1 device(s). On a CPU, start a "
    ), done.stdout
    assert "XLA_FLAGS=--xla_force_host_platform_device_count=3" in lines[0]
    assert lines[1] == (
        "refused: TF_CONFIG (training on several machines) works with the TensorFlow backend; "
        "this is JAX. Unset TF_CONFIG, or run with KERAS_BACKEND=tensorflow."
    ), done.stdout
    assert os.listdir(tmp_path) == []
