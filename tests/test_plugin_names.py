"""Names a plugin registers become folder names, layer names and command-line words: a name
that breaks the rule is skipped, with a warning naming its package, and shown as failed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import kerazoo
from kerazoo import _registry as registry
from tests.fixtures.processes import ROOT, run_cli, write_distribution

BAD = ["../../../escaped", "a/b", "st*r", "$x", "bell\x07", "9lives", "a" * 65]
GOOD = ["traffic-ish", "Net1", "v2.1", "chopped_vgg2"]


def _site(folder):
    names = {n: "kerazoo_builtin.datasets.shapes:Shapes" for n in BAD + GOOD}
    return write_distribution(folder, "kz-names", {"kerazoo.datasets": names}, {})


def test_bad_names_are_skipped_with_a_warning_naming_the_package(tmp_path, on_path) -> None:
    on_path(_site(tmp_path))
    with pytest.warns(registry.PluginWarning) as caught:
        names = kerazoo.list_datasets()
    assert set(GOOD) <= set(names) and not set(BAD) & set(names)
    caught = [w for w in caught if w.category is registry.PluginWarning]
    text = "\n".join(str(w.message) for w in caught)
    assert "'../../../escaped' registered by kz-names 0.1" in text
    assert "'bell\\x07'" in text and "\x07" not in text  # echoed, never raw
    assert len(caught) == 1, text  # one warning, however many names
    assert "7 plugin names are skipped" in text and "name is a letter, then letters" in text
    report = {e.name: e for e in registry.plugin_report()}
    for name in BAD:
        assert report[name].status == "failed", name
        assert "not a valid name" in report[name].error
    with pytest.raises(kerazoo.UnknownNameError, match=r"Unknown dataset '\.\./\.\./\.\./"):
        kerazoo.get_dataset("../../../escaped")


def test_the_commands_skip_and_name_a_bad_name_and_train_writes_nothing_outside(
    tmp_path,
) -> None:
    site = _site(tmp_path / "site")
    out = run_cli("list", "datasets", pythonpath=site)
    assert out.returncode == 0, out.stderr
    assert "traffic-ish" in out.stdout and "escaped" not in out.stdout
    assert "kerazoo: warning: " in out.stderr and "kz-names 0.1" in out.stderr
    assert "\x07" not in out.stderr + out.stdout

    out = run_cli("plugins", pythonpath=site)
    assert out.returncode == 1
    assert "failed  dataset      ../../../escaped" in out.stdout
    assert "not a valid name" in out.stdout and "\x07" not in out.stdout

    out = run_cli("plugins", "--check", "--json", pythonpath=site)
    rows = {r["name"]: r for r in json.loads(out.stdout)}
    assert out.returncode == 1 and rows["traffic-ish"]["status"] == "loaded"
    assert rows["$x"]["status"] == "failed" and "not a valid name" in rows["$x"]["error"]

    work = tmp_path / "work" / "deep" / "er"
    work.mkdir(parents=True)
    paths = [str(site), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    before = set(tmp_path.rglob("*"))
    done = subprocess.run(
        [sys.executable, "-m", "kerazoo", "train", "../../../escaped", "lenet", "--epochs", "1"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr
    assert "error: Unknown dataset '../../../escaped'" in done.stderr
    assert set(tmp_path.rglob("*")) == before  # no folder anywhere, inside runs/ or out
    assert ROOT.exists()
