"""MLflow tracking (``--track URI``, ``KERAZOO_TRACKING_URI``), read back through MLflow's
own client: a real SQLite store, a real ``mlflow server`` on 127.0.0.1, a dead server, and
the refusals of a URI or an install that cannot work. Nothing here leaves the machine
(MLflow's telemetry is off in every process)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import kerazoo
from tests.fixtures.processes import run_cli

pytest.importorskip("mlflow")

QUIET = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}
TINY_FLAGS = ["--data", "size=16", "--train-size", "32", "--val-size", "16"]
TINY_FLAGS += ["--test-size", "16", "--batch-size", "16"]
TINY = {"data": {"size": 16}, "train_size": 32, "val_size": 16, "test_size": 16}
TINY |= {"batch_size": 16, "verbose": 0}


@pytest.fixture(autouse=True)
def _no_telemetry(monkeypatch) -> None:
    for key, value in QUIET.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("KERAZOO_TRACKING_URI", raising=False)


def client(uri: str):
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=uri)


def runs_of(uri: str) -> list:
    found = client(uri).get_experiment_by_name("kerazoo")
    assert found is not None, "no kerazoo experiment"
    return client(uri).search_runs([found.experiment_id], order_by=["attributes.start_time"])


def check_run(uri: str, run, epochs: int, filters: int = 6) -> None:
    """The run's parameters, tags, per-epoch and test metrics and files, as MLflow has them."""
    data = run.data
    assert run.info.status == "FINISHED"
    assert data.params["dataset"] == "shapes" and data.params["architecture"] == "lenet"
    assert data.params["epochs"] == str(epochs) and data.params["batch_size"] == "16"
    assert data.params["data.size"] == "16" and data.params["hp.filters"] == str(filters)
    assert data.params["seed"] == "0"
    assert {"dataset": "shapes", "architecture": "lenet", "seed": "0"}.items() <= data.tags.items()
    history = client(uri).get_metric_history(run.info.run_id, "val_loss")
    assert [m.step for m in history] == list(range(1, epochs + 1))
    assert {"loss", "accuracy", "val_accuracy", "test_accuracy", "test_cross_entropy"} <= set(
        data.metrics
    )
    files = {f.path for f in client(uri).list_artifacts(run.info.run_id)}
    assert {"model.keras", "report.html", "run.json", "history.csv", "curves.png"} <= files
    pictures = {f.path for f in client(uri).list_artifacts(run.info.run_id, "evaluation")}
    assert "evaluation/confusion.png" in pictures


def test_train_track_sqlite_logs_params_epochs_test_metrics_and_files(tmp_path) -> None:
    uri = f"sqlite:///{tmp_path}/store/mlflow.db"  # the folder is made
    done = run_cli("train", "shapes", "lenet", *TINY_FLAGS, "--epochs", "2", "--out",
                   str(tmp_path / "r"), "--track", uri, env=QUIET)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "MLflow tracking" not in done.stderr
    (run,) = runs_of(uri)
    check_run(uri, run, epochs=2)
    assert run.data.tags["kerazoo.run_dir"] == str((tmp_path / "r").resolve())
    assert (tmp_path / "store" / "mlartifacts").is_dir()  # beside the database, not in cwd


def test_the_environment_variable_turns_tracking_on(tmp_path, monkeypatch) -> None:
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    monkeypatch.setenv("KERAZOO_TRACKING_URI", uri)
    kerazoo.train("shapes", "lenet", epochs=1, out=tmp_path / "r", **TINY)
    (run,) = runs_of(uri)
    check_run(uri, run, epochs=1)


def test_a_dead_server_warns_once_and_the_run_goes_on(tmp_path) -> None:
    start = time.monotonic()
    done = run_cli("train", "shapes", "lenet", *TINY_FLAGS, "--epochs", "1", "--out",
                   str(tmp_path / "r"), "--track", "http://127.0.0.1:1", env=QUIET)  # fmt: skip
    seconds = time.monotonic() - start
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("MLflow tracking to http://127.0.0.1:1 failed") == 1, done.stderr
    assert "the run goes on untracked, its folder is the record" in done.stderr
    assert (tmp_path / "r" / "model.keras").is_file()
    assert seconds < 60, f"a dead tracking server held the run up: {seconds:.0f} s"


def test_an_unknown_scheme_is_refused_before_training_naming_track(tmp_path) -> None:
    done = run_cli("train", "shapes", "lenet", "--out", str(tmp_path / "r"),
                   "--track", "nosuch://x", env=QUIET)  # fmt: skip
    assert done.returncode == 2
    assert "--track nosuch://x: MLflow cannot track to 'nosuch://x'" in done.stderr
    assert "sqlite:///runs/mlflow.db" in done.stderr and not (tmp_path / "r").exists()
    with pytest.raises(kerazoo.InvalidOptionError, match=r"track='nosuch://x': MLflow cannot"):
        kerazoo.train("shapes", "lenet", out=tmp_path / "p", track="nosuch://x")


def test_without_mlflow_track_says_how_to_install_it(tmp_path) -> None:
    fake = tmp_path / "site"
    fake.mkdir()
    (fake / "mlflow.py").write_text("raise ImportError('No module named mlflow (test)')\n")
    done = run_cli("train", "shapes", "lenet", "--out", str(tmp_path / "r"),
                   "--track", "sqlite:///x.db", env=QUIET, pythonpath=fake)  # fmt: skip
    assert done.returncode == 2
    assert "--track sqlite:///x.db" in done.stderr
    assert "needs mlflow, which is not installed" in done.stderr
    assert "pip install 'kerazoo[mlflow]'" in done.stderr


def test_compare_logs_each_run_as_a_child_of_one_parent(tmp_path) -> None:
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    kerazoo.compare("shapes", "lenet", ["wide: filters=8"], seeds=1, epochs=1,
                    out=tmp_path / "c", inside_steps=0, classes_steps=0, verbose=False,
                    track=uri,
                    **{k: v for k, v in TINY.items() if k != "verbose"})  # fmt: skip
    runs = runs_of(uri)
    (parent,) = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    assert parent.info.status == "FINISHED" and len(runs) == 3
    assert sorted(r.data.tags["variant"] for r in children) == ["baseline", "wide"]
    assert {r.info.run_name for r in children} == {"baseline seed 0", "wide seed 0"}
    assert parent.data.params["variant.wide"] == "filters=8"
    files = {f.path for f in client(uri).list_artifacts(parent.info.run_id)}
    assert {"comparison.csv", "comparison.json"} <= files
    for child in children:
        check_run(uri, child, epochs=1, filters=8 if child.data.tags["variant"] == "wide" else 6)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, server: subprocess.Popen, seconds: float = 120) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if server.poll() is not None:
            raise AssertionError(f"mlflow server exited: {server.stdout.read()}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"mlflow server did not answer at {url} within {seconds} s")


@pytest.mark.slow
def test_a_real_mlflow_server_receives_the_run(tmp_path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port",
               str(port), "--workers", "1", "--backend-store-uri",
               f"sqlite:///{tmp_path}/server.db", "--artifacts-destination",
               str(tmp_path / "artifacts")]  # fmt: skip
    server = subprocess.Popen(
        command,
        env={**os.environ, **QUIET},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,
        start_new_session=True,
    )
    try:
        wait_until_up(url, server)
        kerazoo.train("shapes", "lenet", epochs=2, out=tmp_path / "r", track=url, **TINY)
        (run,) = runs_of(url)
        check_run(url, run, epochs=2)
        stored = list(Path(tmp_path / "artifacts").rglob("model.keras"))
        assert len(stored) == 1  # uploaded through the server
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


def test_tune_logs_each_trial_as_a_child_of_the_search(tmp_path) -> None:
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    tiny = {k: v for k, v in TINY.items() if k != "verbose"}
    result = kerazoo.tune("shapes", "lenet", trials=2, epochs=2, out=tmp_path / "t",
                          verbose=False, track=uri, **tiny)  # fmt: skip
    runs = runs_of(uri)
    (parent,) = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    assert len(children) == 2 and parent.data.tags["kerazoo.kind"] == "tune"
    assert parent.data.params["tuner"] == "random" and "test_accuracy" in parent.data.metrics
    for child in children:
        trial = next(t for t in result.trials if t.trial == child.data.tags["trial"])
        assert child.data.params["filters"] == str(trial.hyperparameters["filters"])
        steps = [m.step for m in client(uri).get_metric_history(child.info.run_id, "val_loss")]
        assert steps == [1, 2]
    files = {f.path for f in client(uri).list_artifacts(parent.info.run_id)}
    assert {"trials.csv", "tune.json"} <= files
    best = {f.path for f in client(uri).list_artifacts(parent.info.run_id, "best")}
    assert best == {"best/model.keras"}


def test_a_resumed_run_is_a_new_mlflow_run_with_every_epoch(tmp_path) -> None:
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    kerazoo.train("shapes", "lenet", epochs=1, out=tmp_path / "r", track=uri, **TINY)
    kerazoo.train(None, None, epochs=2, out=tmp_path / "r", resume=True, track=uri, verbose=0)
    first, resumed = runs_of(uri)
    steps = [m.step for m in client(uri).get_metric_history(resumed.info.run_id, "val_loss")]
    assert steps == [1, 2] and resumed.data.params["epochs"] == "2"
    assert [m.step for m in client(uri).get_metric_history(first.info.run_id, "loss")] == [1]
