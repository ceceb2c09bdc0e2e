"""Plugins that take down the process importing them (a hang, os._exit, a segfault, a
KeyboardInterrupt) are found in child processes: `kerazoo list` and `kerazoo plugins` name
them and show the rest, and remember the verdict until the installed plugins change."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.test_main import MISBEHAVING
from tests.fixtures.processes import ROOT, TIMED, write_distribution

pytestmark = TIMED  # plugin imports within a 3-4 s timeout, answers within seconds: see TIMED

KILLERS = {**MISBEHAVING, "kz_interrupt": "raise KeyboardInterrupt\n"}


def _site(folder: Path, *modules: str) -> Path:
    for module in modules:
        name = module.removeprefix("kz_")
        group = "kerazoo.architectures" if name == "fine" else "kerazoo.datasets"
        target = "kz_fine:Fine" if name == "fine" else f"{module}:Plugin"
        write_distribution(folder, f"kz-{name}", {group: {name: target}}, {module: KILLERS[module]})
    return folder


def _env(tmp_path: Path, site: Path, timeout: str = "4") -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]),
        "KERAZOO_CACHE_DIR": str(tmp_path / "cache"),
        "KERAZOO_PLUGIN_TIMEOUT": timeout,
        "KZ_HANG_PIDFILE": str(tmp_path / "hang.pid"),
    }


def _kerazoo(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kerazoo", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.slow
def test_list_and_plugins_name_plugins_that_take_their_process_down(tmp_path) -> None:
    site = _site(tmp_path / "site", *KILLERS)
    env = _env(tmp_path, site)
    pidfile = tmp_path / "hang.pid"
    out = _kerazoo(env, "list")
    assert out.returncode == 0, out.stderr
    assert "fine" in out.stdout and "shapes" in out.stdout and "lenet" in out.stdout
    for name in ("hang", "hardexit", "segfault", "interrupt", "sysexit"):
        assert name not in out.stdout.replace("fine", "")
        assert f"'{name}' from kz-{name} 0.1 failed to load" in out.stderr, out.stderr
    assert "timed out after 4 s" in out.stderr and "exited with code 4" in out.stderr
    assert "killed by signal SIGSEGV" in out.stderr
    assert "KeyboardInterrupt: the plugin raised KeyboardInterrupt on import" in out.stderr
    assert "interrupted" not in out.stderr
    assert _gone(int(pidfile.read_text()))  # the hanging child was killed, not left behind

    # what is installed did not change: the verdict is trusted, no plugin is started again
    pidfile.unlink()
    started = time.monotonic()
    again = _kerazoo(env, "list")
    assert time.monotonic() - started < 30
    assert again.returncode == 0 and again.stdout == out.stdout
    assert "timed out after 4 s" in again.stderr and not pidfile.exists()

    report = _kerazoo(env, "plugins")
    assert report.returncode == 1, report.stderr
    assert "loaded  architecture fine" in report.stdout
    for name in ("hang", "hardexit", "segfault", "interrupt", "sysexit"):
        assert f"failed  dataset      {name}" in report.stdout, report.stdout
    assert "5 failed" in report.stdout

    # the plugin's module changed: everything is checked again
    (site / "kz_hang.py").write_text("raise ImportError('fixed?')\n")
    fixed = _kerazoo(env, "list", "datasets")
    assert "failed to load: ImportError: fixed?" in fixed.stderr
    assert "timed out" not in fixed.stderr.split("'hang'")[1].split("\n")[0]


def test_ctrl_c_while_plugins_are_checked_stops_the_command_and_its_children(tmp_path) -> None:
    site = _site(tmp_path / "site", "kz_hang", "kz_fine")
    pidfile = tmp_path / "hang.pid"
    proc = subprocess.Popen(
        [sys.executable, "-m", "kerazoo", "list"],
        env=_env(tmp_path, site, timeout="120"),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not pidfile.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert pidfile.exists(), "the hanging plugin never started"
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert "kerazoo list: interrupted" in err and "Traceback" not in err
    pid = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _gone(pid)


@pytest.mark.slow
def test_a_plugin_that_closes_stdout_or_prints_fake_reports_is_still_judged(tmp_path) -> None:
    from kerazoo._plugin_check import check_plugins
    from kerazoo._registry import Registry

    sneaky = {
        "kz_closer": "import os, time\nos.close(1)\ntime.sleep(600)\n",
        "kz_liar": (
            "print('KERAZOO-PLUGIN-CHECK done 99 {')\n"
            "print('KERAZOO-PLUGIN-CHECK done 0 [1]')\n"
            "print('KERAZOO-PLUGIN-CHECK begin x')\n"
            "raise ImportError('a liar')\n"
        ),
    }
    site = tmp_path / "site"
    for module, source in sneaky.items():
        name = module.removeprefix("kz_")
        eps = {"kerazoo.datasets": {name: f"{module}:P"}}
        write_distribution(site, f"kz-{name}", eps, {module: source})
    _site(site, "kz_fine")
    started = time.monotonic()
    found = {e.name: e for e in check_plugins(timeout=3, registry=Registry([site]))}
    assert time.monotonic() - started < 60
    assert found["closer"].status == "failed" and "timed out after 3 s" in found["closer"].error
    assert found["liar"].status == "failed" and "ImportError: a liar" in found["liar"].error
    assert found["fine"].status == "loaded"
