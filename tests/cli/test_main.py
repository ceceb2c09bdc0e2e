"""The `kerazoo` command: list, plugins, --version, --help, with a real pip-installed plugin."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import kerazoo
from kerazoo._cli import build_parser, main
from tests.fixtures.processes import TIMED, run_cli, write_distribution


def test_version() -> None:
    out = run_cli("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"kerazoo {kerazoo.__version__}"


def test_every_command_has_help(capsys) -> None:
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # the registered commands
    assert {"list", "plugins"} <= set(commands)
    for name in commands:
        with pytest.raises(SystemExit, match=r"^0$") as done:
            main([name, "--help"])
        assert done.value.code == 0
        assert "usage: kerazoo " + name in capsys.readouterr().out


def test_list_does_not_start_tensorflow() -> None:
    code = (
        "import sys; from kerazoo._cli import main; main(['list']); "
        "print('TF' if 'tensorflow' in sys.modules or 'keras' in sys.modules else 'LIGHT')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("LIGHT")


def test_bad_key_value_is_a_clear_error() -> None:
    from kerazoo._cli import parse_pairs

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
    out = run_cli(
        "train", "shapes", "autoencoder", "--epochs", "1", "--train-size", "8", "--val-size", "8"
    )
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


def test_an_unknown_flag_is_named_by_its_command_with_a_suggestion(capsys) -> None:
    for argv, extra, prog, hint in [
        (["train", "shapes", "lenet", "--epocs", "2"], "--epocs 2", "kerazoo train", "--epochs"),
        (["look", "maps", "r", "--layr", "conv1"], "--layr conv1", "kerazoo look maps", "--layer"),
        (["list", "--verbsoe"], "--verbsoe", "kerazoo list", "--verbose"),
    ]:
        with pytest.raises(SystemExit, match=r"^2$") as done:
            main(argv)
        err = capsys.readouterr().err
        assert done.value.code == 2
        assert f"usage: {prog} " in err, err
        assert f"{prog}: error: unrecognized arguments: {extra}" in err, err
        assert f"Did you mean {hint}?" in err, err
    with pytest.raises(SystemExit, match=r"^2$"):
        main(["list", "--zzz"])
    assert "Did you mean" not in capsys.readouterr().err  # nothing close: no guess


def test_command_flags_come_from_the_parser() -> None:
    from kerazoo._cli import command_flags

    parser = build_parser()
    flags = command_flags(parser, parser.parse_args(["train", "shapes", "lenet"]))
    assert flags["learning_rate"] == "--lr" and flags["encoding"] == "--encoding"
    assert flags["data_format"] == "--data-format"


# Plugins that misbehave while they are imported: each is a real installed distribution.
MISBEHAVING = {
    "kz_sysexit": "import sys\nsys.exit(3)\n",
    "kz_hardexit": "import os\nos._exit(4)\n",
    "kz_segfault": "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n",
    "kz_hang": (
        "import os, pathlib, time\n"
        "pathlib.Path(os.environ['KZ_HANG_PIDFILE']).write_text(str(os.getpid()))\n"
        "while True:\n    time.sleep(1)\n"
    ),
    "kz_fine": textwrap.dedent(
        """
        import kerazoo

        class Fine(kerazoo.Architecture):
            description = "a plugin that loads"

            def build_body(self, inputs, spec, data_format):
                return inputs
        """
    ),
}


def _misbehaving_site(folder: Path, *modules: str) -> Path:
    for module in modules:
        name = module.removeprefix("kz_")
        group = "kerazoo.architectures" if name == "fine" else "kerazoo.datasets"
        target = "kz_fine:Fine" if name == "fine" else f"{module}:Plugin"
        write_distribution(
            folder, f"kz-{name}", {group: {name: target}}, {module: MISBEHAVING[module]}
        )
    return folder


def test_a_plugin_calling_sys_exit_is_reported_and_the_rest_listed(tmp_path) -> None:
    site = _misbehaving_site(tmp_path, "kz_sysexit", "kz_fine")
    out = run_cli("list", pythonpath=site)
    assert out.returncode == 0, out.stderr
    assert "fine" in out.stdout and "shapes" in out.stdout and "lenet" in out.stdout
    assert "The dataset plugin 'sysexit' from kz-sysexit 0.1 failed to load: SystemExit" in (
        out.stderr
    )
    assert "sys.exit(3)" in out.stderr

    out = run_cli("plugins", pythonpath=site)
    assert out.returncode == 1
    assert "failed  dataset      sysexit" in out.stdout
    assert "loaded  architecture fine" in out.stdout


@TIMED  # the fine plugins must import within the 4 s timeout
def test_plugins_check_isolates_hangs_and_hard_exits(tmp_path) -> None:
    site = _misbehaving_site(tmp_path / "site", *MISBEHAVING)
    pidfile = tmp_path / "hang.pid"
    started = time.monotonic()
    out = run_cli(
        "plugins",
        "--check",
        "--timeout",
        "4",
        pythonpath=site,
        env={"KZ_HANG_PIDFILE": str(pidfile)},
    )
    assert time.monotonic() - started < 60
    assert out.returncode == 1, out.stderr
    lines = {
        line.split()[2]: line
        for line in out.stdout.splitlines()
        if line[:6] in {"loaded", "failed"}
    }
    assert lines["fine"].startswith("loaded") and lines["shapes"].startswith("loaded")
    for name in ("sysexit", "hardexit", "segfault", "hang"):
        assert lines[name].startswith("failed"), out.stdout
    assert re.search(r"failed  dataset      hang .*\n +timed out after 4 s", out.stdout)
    assert re.search(r"hardexit .*\n +.*exited with code 4", out.stdout)
    assert re.search(r"segfault .*\n +.*killed by signal SIGSEGV", out.stdout)
    assert re.search(r"sysexit .*\n +SystemExit: .*sys\.exit\(3\)", out.stdout)
    assert "4 failed" in out.stdout
    # the hanging child was killed, not left behind
    pid = int(pidfile.read_text())
    with pytest.raises(ProcessLookupError, match="No such process"):
        os.kill(pid, 0)

    out = run_cli(
        "plugins", "--check", "--json", pythonpath=_misbehaving_site(tmp_path / "good", "kz_fine")
    )
    assert out.returncode == 0, out.stderr
    rows = {r["name"]: r for r in json.loads(out.stdout)}
    assert rows["fine"]["status"] == "loaded" and rows["fine"]["distribution"] == "kz-fine"


SHADOW = textwrap.dedent(
    """
    from kerazoo_builtin.architectures.lenet import LeNet
    from kerazoo_builtin.datasets.shapes import Shapes

    class OtherShapes(Shapes):
        description = "shapes from another package"

    class OtherLeNet(LeNet):
        description = "lenet from another package"
    """
)


def test_a_package_taking_built_in_names_is_listed_and_named_when_used(tmp_path) -> None:
    site = write_distribution(
        tmp_path / "site",
        "kz-shadow",
        {
            "kerazoo.datasets": {"shapes": "kz_shadow:OtherShapes"},
            "kerazoo.architectures": {"lenet": "kz_shadow:OtherLeNet"},
        },
        {"kz_shadow": SHADOW},
    )
    out = run_cli("list", pythonpath=site)
    assert out.returncode == 0, out.stderr
    rows = [line.split() for line in out.stdout.splitlines()]
    shapes = [r for r in rows if r[:1] == ["shapes"]]
    assert len(shapes) == 2 and all("CONFLICT" in " ".join(r) for r in shapes)
    assert "(kerazoo 0.1.0)" in out.stdout and "(kz-shadow 0.1)" in out.stdout
    assert "circles" in out.stdout and "chopped_vgg" in out.stdout
    # every conflict in one warning, with the one setting that settles them all
    warning = [line for line in out.stderr.splitlines() if "registered by more than one" in line]
    assert len(warning) == 1, out.stderr
    assert "dataset 'shapes'" in warning[0] and "architecture 'lenet'" in warning[0]
    out = run_cli("list", pythonpath=site, env={"KERAZOO_PREFER": "shapes=kz-shadow"})
    assert out.returncode == 0 and "dataset 'shapes'" not in out.stderr
    assert "architecture 'lenet' (built-in kerazoo 0.1.0, kz-shadow 0.1)" in out.stderr

    data = json.loads(run_cli("list", "--json", pythonpath=site).stdout)
    contested = [d for d in data["datasets"] if d["name"] == "shapes"]
    assert sorted(d["plugin"] for d in contested) == ["kerazoo 0.1.0", "kz-shadow 0.1"]
    assert all(d["conflict"] for d in contested)
    assert not any(d["conflict"] for d in data["datasets"] if d["name"] != "shapes")

    out = run_cli(
        "train", "shapes", "lenet", "--epochs", "1", "--out", str(tmp_path / "run"), pythonpath=site
    )
    assert out.returncode == 2
    assert re.search(
        r"The dataset name 'shapes' is registered by built-in kerazoo 0\.1\.0"
        r".* and kz-shadow 0\.1",
        out.stderr,
    ), out.stderr
    for fix in (
        "source='kerazoo'",
        "source='kz-shadow'",
        "KERAZOO_PREFER=shapes=kerazoo",
        "KERAZOO_PREFER=shapes=kz-shadow",
        "architecture 'lenet'",
        "KERAZOO_PREFER=shapes=kerazoo,lenet=kerazoo",
    ):
        assert fix in out.stderr, out.stderr
    assert "Traceback" not in out.stderr

    grid = tmp_path / "grid.png"
    out = run_cli(
        "data",
        "preview",
        "shapes",
        "--n",
        "4",
        "--out",
        str(grid),
        pythonpath=site,
        env={"KERAZOO_PREFER": "shapes=kz-shadow"},
    )
    assert out.returncode == 0, out.stderr
    assert grid.is_file()


def test_an_os_error_is_one_line_naming_the_file(tmp_path) -> None:
    """An OSError the library does not turn into a KerazooError is one line, not a traceback."""
    from tests.fixtures.processes import run_cli

    os.mkfifo(tmp_path / "pipe")
    for out, cause in (("/proc", "No such file or directory"), (tmp_path / "pipe", "Not a dir")):
        done = run_cli("new-plugin", "kz_x", "--out", str(out))
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        assert done.stderr.startswith(f"kerazoo new-plugin: error: {out}/kz_x: {cause}")
        assert done.stderr.count("\n") == 1
