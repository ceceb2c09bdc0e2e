"""The plugin registry, as a user and a plugin author see it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import kerazoo
from kerazoo import _registry as registry
from kerazoo.saving._info import ModelInfo
from tests.fixtures.processes import write_distribution

GOOD = textwrap.dedent(
    """
    import kerazoo

    class Net(kerazoo.Architecture):
        description = "test net"
        hyperparameters = {"width": kerazoo.Param(8, int, low=1, high=64)}

        def build_body(self, inputs, spec, data_format):
            return inputs

    class NoMake(kerazoo.Dataset):
        @property
        def task(self):
            return kerazoo.Task.classification(["a", "b"])

        @property
        def image_shape(self):
            return (4, 4, 1)

    class BadTable(Net):
        hyperparameters = {"width": 8}

    class BadTasks(Net):
        tasks = ("segmentation",)
    """
)


def test_import_kerazoo_imports_no_framework_and_no_plugin() -> None:
    code = (
        "import sys, kerazoo; "
        "heavy = [m for m in ('keras', 'tensorflow', 'jax', 'torch', 'kerazoo_builtin', "
        "'skimage', 'matplotlib') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_listing_natural_sort_and_wildcards(tmp_path, on_path) -> None:
    eps = {n: "kznet:Net" for n in ("net10", "net2", "Net1", "other")}
    on_path(
        write_distribution(tmp_path, "kz-nets", {"kerazoo.architectures": eps}, {"kznet": GOOD})
    )
    names = kerazoo.list_architectures("*et*")
    assert [n for n in names if n in eps] == ["Net1", "net2", "net10"]
    assert kerazoo.list_architectures("net?") == ["net2"]
    assert kerazoo.list_architectures("nothing*") == []


def test_unknown_name_suggests_and_lists(tmp_path, on_path) -> None:
    on_path(
        write_distribution(
            tmp_path,
            "kz-nets",
            {"kerazoo.architectures": {"tinynet": "kznet:Net"}},
            {"kznet": GOOD},
        )
    )
    with pytest.raises(
        kerazoo.UnknownNameError,
        match=r"Unknown architecture 'tinynte'\. "
        r"Did you mean 'tinynet'\? Available: .*tinynet",
    ):
        kerazoo.get_architecture("tinynte")
    with pytest.raises(KeyError, match=r"Unknown architecture 'tinynte'"):  # callers catch that
        kerazoo.get_architecture("tinynte")


def test_get_configures_and_sets_name_and_plugin(tmp_path, on_path) -> None:
    on_path(
        write_distribution(
            tmp_path,
            "kz-nets",
            {"kerazoo.architectures": {"tinynet": "kznet:Net"}},
            {"kznet": GOOD},
        )
    )
    arch = kerazoo.get_architecture("tinynet", width="16")
    assert arch.config == {"width": 16}
    assert (arch.name, arch.plugin) == ("tinynet", "kz-nets 0.1")
    assert type(arch).name == ""  # on the instance, never written onto the class
    with pytest.raises(
        kerazoo.UnknownNameError,
        match=r"Unknown hyperparameter 'widht' for architecture 'tinynet'\. "
        r"Did you mean 'width'\? Valid hyperparameters: width\.",
    ):
        kerazoo.get_architecture("tinynet", widht=3)
    with pytest.raises(
        kerazoo.InvalidOptionError,
        match=r"Invalid value 99 for hyperparameter 'width'.*above the maximum",
    ):
        kerazoo.get_architecture("tinynet", width=99)


@pytest.mark.parametrize(
    ("kind", "target", "message"),
    [
        ("kerazoo.datasets", "kznet:NoMake", r"does not define 'make'"),
        (
            "kerazoo.architectures",
            "kznet:BadTable",
            r"'hyperparameters' = \{'width': 8\}; it "
            r"must be a dict of kerazoo.Param",
        ),
        (
            "kerazoo.architectures",
            "kznet:BadTasks",
            r"declares tasks \('segmentation',\); each "
            r"must be one of classification, regression, reconstruction",
        ),
        ("kerazoo.architectures", "kznet:missing", r"AttributeError"),
    ],
)
def test_invalid_plugin_is_reported_with_the_reason(
    tmp_path, on_path, kind, target, message
) -> None:
    on_path(write_distribution(tmp_path, "kz-bad", {kind: {"bad": target}}, {"kznet": GOOD}))
    getter = kerazoo.get_dataset if kind.endswith("datasets") else kerazoo.get_architecture
    with pytest.raises(kerazoo.PluginError, match=message), pytest.warns(registry.PluginWarning):
        getter("bad")


def test_broken_plugin_warns_and_the_rest_keeps_working(plugin_site, on_path, monkeypatch) -> None:
    on_path(plugin_site)
    with pytest.warns(
        registry.PluginWarning,
        match=r"dataset plugin 'brokenset' from kz-broken 0\.0\.1 failed to "
        r"load: ImportError: kz_broken needs the package 'missing_dependency'",
    ):
        names = kerazoo.list_datasets()
    assert "stripes" in names and "brokenset" not in names
    report = {e.name: e for e in registry.plugin_report()}
    assert report["brokenset"].status == "failed"
    assert "missing_dependency" in report["brokenset"].trace
    assert report["stripes"].status == "loaded"

    on_path(plugin_site)  # a fresh registry: nothing loaded yet
    monkeypatch.setenv("KERAZOO_STRICT_PLUGINS", "1")
    with pytest.raises(
        kerazoo.PluginError,
        match=r"KERAZOO_STRICT_PLUGINS is set, so this "
        r"is fatal",
    ):
        kerazoo.list_datasets()


def test_third_party_plugin_works_in_python(plugin_site, on_path) -> None:
    on_path(plugin_site)
    ds = kerazoo.get_dataset("stripes", size="8x12")
    data = ds.generate(5, seed=3)
    assert data.images.shape == (5, 8, 12, 1)
    assert ds.options_json() == {"size": "8x12", "period": 4}


def test_name_collision_names_both_packages_until_one_is_chosen(
    plugin_site, conflict_site, on_path, monkeypatch
) -> None:
    on_path(plugin_site, conflict_site)
    with pytest.raises(
        kerazoo.PluginConflictError,
        match=r"'stripes' is registered by (kz-stripes 1\.2\.0|kz-conflict 0\.3\.0)"
        r".* and (kz-stripes 1\.2\.0|kz-conflict 0\.3\.0).*source=.*KERAZOO_PREFER",
    ):
        kerazoo.get_dataset("stripes")
    assert kerazoo.list_datasets("stripes") == ["stripes"]  # listed once
    assert type(kerazoo.get_dataset("stripes", source="kz-conflict")).__name__ == "OtherStripes"
    assert type(kerazoo.get_dataset("stripes", source="kz_stripes")).__name__ == "Stripes"
    with pytest.raises(
        kerazoo.UnknownNameError, match=r"not registered by package 'kz-other'; it is registered by"
    ):
        kerazoo.get_dataset("stripes", source="kz-other")
    monkeypatch.setenv("KERAZOO_PREFER", "stripes=kz-conflict")
    assert type(kerazoo.get_dataset("stripes")).__name__ == "OtherStripes"
    monkeypatch.setenv("KERAZOO_PREFER", "kz-stripes")
    assert type(kerazoo.get_dataset("stripes")).__name__ == "Stripes"


def test_a_registry_instance_sees_only_its_own_folders(tmp_path) -> None:
    site = write_distribution(
        tmp_path, "kz-nets", {"kerazoo.architectures": {"onlyhere": "kznet:Net"}}, {"kznet": GOOD}
    )
    own = registry.Registry(path=[site])
    assert own.list_architectures() == ["onlyhere"]  # no built-ins: not in its folders
    assert own.list_datasets() == []
    assert own.get_architecture("onlyhere", width=4).config == {"width": 4}
    assert "onlyhere" not in kerazoo.list_architectures()  # the default is untouched
    with registry.using(own):
        assert kerazoo.list_architectures() == ["onlyhere"]
    assert "lenet" in kerazoo.list_architectures()


def test_a_plugin_calling_sys_exit_is_a_failing_plugin(tmp_path, on_path) -> None:
    on_path(
        write_distribution(
            tmp_path,
            "kz-quits",
            {"kerazoo.datasets": {"quits": "kzquits:Quits"}},
            {"kzquits": "import sys\nsys.exit(3)\n"},
        )
    )
    with pytest.warns(
        registry.PluginWarning,
        match=r"'quits' from kz-quits 0\.1 failed to load: SystemExit: the plugin called "
        r"sys\.exit\(3\)",
    ):
        names = kerazoo.list_datasets()
    assert "shapes" in names and "quits" not in names
    with (
        pytest.raises(kerazoo.PluginError, match=r"'quits' from kz-quits 0\.1 cannot be used"),
        pytest.warns(registry.PluginWarning),
    ):
        kerazoo.get_dataset("quits")


def test_isolated_check_of_a_registry(tmp_path) -> None:
    from kerazoo._plugin_check import check_plugins

    site = write_distribution(
        tmp_path,
        "kz-nets",
        {"kerazoo.architectures": {"net": "kznet:Net", "gone": "kznet:No"}},
        {"kznet": GOOD},
    )
    found = {e.name: e for e in check_plugins(timeout=30, registry=registry.Registry([site]))}
    assert found["net"].status == "loaded" and found["gone"].status == "failed"
    assert "AttributeError" in found["gone"].error
    with pytest.raises(
        kerazoo.InvalidOptionError, match=r"timeout must be a positive number of seconds, got 0"
    ):
        check_plugins(timeout=0)


def test_with_no_plugin_installed_the_choices_say_so(tmp_path) -> None:
    with (
        registry.using(registry.Registry(path=[str(tmp_path)])),
        pytest.raises(
            kerazoo.UnknownNameError,
            match=r"^Unknown dataset 'shapes'\. Available: \(none installed\)\.$",
        ),
    ):
        kerazoo.get_dataset("shapes")


def test_an_alias_entry_point_leaves_the_builtin_records_unchanged(conflict_site, on_path) -> None:
    on_path(conflict_site)  # kz-conflict registers the built-in Shapes and LeNet again
    from kerazoo_builtin.datasets.shapes import Shapes

    shapes, alias = kerazoo.get_dataset("shapes"), kerazoo.get_dataset("shapes_alias")
    own = ModelInfo.of(kerazoo.build("lenet", shapes)).to_dict()
    aliased = ModelInfo.of(kerazoo.build("lenet_alias", alias)).to_dict()
    version = kerazoo.__version__
    assert (own["dataset"]["name"], own["dataset"]["plugin"]) == ("shapes", f"kerazoo {version}")
    assert (own["architecture"]["name"], own["architecture"]["plugin"]) == (
        "lenet",
        f"kerazoo {version}",
    )
    assert (aliased["dataset"]["name"], aliased["dataset"]["plugin"]) == (
        "shapes_alias",
        "kz-conflict 0.3.0",
    )
    assert aliased["architecture"]["name"] == "lenet_alias"
    assert "name" not in vars(Shapes) and "plugin" not in vars(Shapes)  # nothing written on it
    with pytest.raises(kerazoo.InvalidOptionError, match=r"dataset 'shapes_alias'.*size"):
        kerazoo.get_dataset("shapes_alias", size=1)
