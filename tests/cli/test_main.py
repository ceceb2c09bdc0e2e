"""The `kerazoo` command: list, plugins, --version, --help, with a real pip-installed plugin."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import kerazoo
from kerazoo.cli import build_parser, main
from tests.fixtures.processes import run_cli


def test_version() -> None:
    out = run_cli("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"kerazoo {kerazoo.__version__}"


def test_every_command_has_help(capsys) -> None:
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # the registered commands
    assert {"list", "plugins"} <= set(commands)
    for name in commands:
        with pytest.raises(SystemExit) as done:
            main([name, "--help"])
        assert done.value.code == 0
        assert "usage: kerazoo " + name in capsys.readouterr().out


def test_list_does_not_start_tensorflow() -> None:
    code = (
        "import sys; from kerazoo.cli import main; main(['list']); "
        "print('TF' if 'tensorflow' in sys.modules or 'keras' in sys.modules else 'LIGHT')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("LIGHT")


def test_bad_key_value_is_a_clear_error() -> None:
    from kerazoo.cli import parse_pairs

    with pytest.raises(kerazoo.InvalidOptionError, match=r"--data takes KEY=VALUE, got 'size'"):
        parse_pairs(["size"], "--data")


def test_pip_installed_plugin_appears_and_broken_one_is_reported(plugin_site) -> None:
    out = run_cli("list", pythonpath=plugin_site)
    assert out.returncode == 0, out.stderr
    assert "stripes" in out.stdout and "tinynet" in out.stdout
    assert "kerazoo: warning: The dataset plugin 'brokenset' from kz-broken 0.0.1 failed" in (
        out.stderr
    )

    out = run_cli("list", "architectures", "tiny*", "--json", pythonpath=plugin_site)
    data = json.loads(out.stdout)
    assert [a["name"] for a in data["architectures"]] == ["tinynet"]
    assert data["architectures"][0]["plugin"] == "kz-stripes 1.2.0"
    assert data["architectures"][0]["hyperparameters"]["filters"]["default"] == 4

    out = run_cli("plugins", pythonpath=plugin_site)
    assert out.returncode == 1
    assert "loaded  dataset      stripes" in out.stdout
    assert "failed  dataset      brokenset" in out.stdout
    assert "not a subclass of kerazoo.Architecture" in out.stdout
    assert "Traceback" not in out.stdout

    out = run_cli("plugins", "--verbose", pythonpath=plugin_site)
    assert "Traceback" in out.stdout and "missing_dependency" in out.stdout

    out = run_cli("list", env={"KERAZOO_STRICT_PLUGINS": "1"}, pythonpath=plugin_site)
    assert out.returncode == 2
    assert "kerazoo list: error: The dataset plugin 'brokenset'" in out.stderr
    assert "KERAZOO_STRICT_PLUGINS is set" in out.stderr


@pytest.mark.slow
def test_errors_speak_in_flags_on_the_command_line() -> None:
    out = run_cli("train", "shapes", "autoencoder", "--epochs", "1", "--train-size", "8",
                  "--val-size", "8")  # fmt: skip
    assert out.returncode == 2
    assert "pass --encoding reconstruction." in out.stderr
    assert "encoding='reconstruction'" not in out.stderr
    out = run_cli("train", "shapes", "lenet", "--epochs", "1", "--encoding", "onehto")
    assert out.returncode == 2
    assert "Invalid value 'onehto' for --encoding: expected one of 'sparse', 'onehot'" in (
        out.stderr
    )
    assert "Did you mean --encoding onehot?" in out.stderr
    out = run_cli("train", "shapes", "lenet", "--epochs", "1", "--schedule", "cosin")
    assert out.returncode == 2
    assert "Did you mean --schedule cosine?" in out.stderr


def test_command_flags_come_from_the_parser() -> None:
    from kerazoo.cli import command_flags

    parser = build_parser()
    flags = command_flags(parser, parser.parse_args(["train", "shapes", "lenet"]))
    assert flags["learning_rate"] == "--lr" and flags["encoding"] == "--encoding"
    assert flags["data_format"] == "--data-format"
