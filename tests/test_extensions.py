"""Look views and training callbacks from installed packages: the extension points."""

from __future__ import annotations

import textwrap

import pytest

import kerazoo
from kerazoo import _cli as cli, _extensions as extensions, _registry as registry
from kerazoo.report._write import write_report
from tests.fixtures.processes import write_distribution

PLUGIN = textwrap.dedent(
    """
    from kerazoo._views import View

    class NotAView:
        pass

    class Mute(View):
        help = "says nothing"

    def not_a_callback():
        return "a string"

    def crashes():
        raise RuntimeError("no")
    """
)


@pytest.fixture
def bad_plugins(tmp_path, on_path) -> None:
    groups = {
        "kerazoo.views": {"notaview": "kzext:NotAView", "mute": "kzext:Mute"},
        "kerazoo.callbacks": {
            "stringy": "kzext:not_a_callback",
            "crashes": "kzext:crashes",
            "number": "kzext:NUMBER",
        },
    }
    on_path(write_distribution(tmp_path, "kz-ext", groups, {"kzext": PLUGIN + "NUMBER = 3\n"}))


@pytest.mark.slow
def test_an_installed_view_and_callback_work_from_the_command_line(
    plugin_site, on_path, tmp_path, capsys
) -> None:
    on_path(plugin_site)  # kz-stripes adds the view 'widths' and the callback 'epoch_log'
    run = tmp_path / "run"
    sizes = ["--train-size", "64", "--val-size", "32", "--test-size", "32", "--data", "size=32"]
    argv = ["train", "shapes", "lenet", "--epochs", "2", "--out", str(run), "-q", *sizes]
    assert cli.main([*argv, "--callback", "epoch_log"]) == 0
    assert [line.split()[0] for line in (run / "epochs.txt").read_text().splitlines()] == [
        "1",
        "2",
    ]
    capsys.readouterr()

    assert cli.main(["look", "widths", str(run), "--height", "24"]) == 0
    assert capsys.readouterr().out == f"wrote {run / 'widths.png'}\n"
    page = write_report(run).read_text()
    assert "<h3>Layer widths</h3>" in page and "a kz-stripes view" in page
    assert "widths.png" in page.split("<h3>Layer widths</h3>")[1].split("<h3>")[0]


def test_views_and_callbacks_are_listed_with_their_packages(plugin_site, on_path) -> None:
    on_path(plugin_site)
    assert extensions.list_views() == ["maps", "maximize", "mean", "saliency", "stats", "widths"]
    assert extensions.list_callbacks() == ["epoch_log"]
    view = extensions.get_view("widths")
    assert (view.name, view.plugin) == ("widths", "kz-stripes 1.2.0")
    report = {(e.kind, e.name): e for e in registry.plugin_report()}
    assert report["view", "widths"].status == "loaded"
    assert report["callback", "epoch_log"].status == "loaded"
    assert report["view", "maps"].source == f"kerazoo {kerazoo.__version__}"


def test_broken_views_and_callbacks_are_reported_and_refused(bad_plugins) -> None:
    report = {(e.kind, e.name): e for e in registry.plugin_report()}
    assert "not a subclass of kerazoo.View" in report["view", "notaview"].error
    assert "does not define 'run'" in report["view", "mute"].error
    assert "cannot be called" in report["callback", "number"].error
    with pytest.warns(registry.PluginWarning, match="'notaview' from kz-ext 0.1 failed"):
        assert "notaview" not in extensions.list_views()
    with pytest.raises(kerazoo.PluginError, match=r"made 'a string', which is not a keras"):
        extensions.get_callback("stringy")
    with pytest.raises(kerazoo.PluginError, match=r"'crashes' from kz-ext 0.1 failed when made"):
        extensions.get_callback("crashes")


DATA_VIEWS = textwrap.dedent(
    """
    import kerazoo
    from kerazoo import View

    class Sizes(View):
        subject = "dataset"
        help = "prints the image shape of a dataset"

        def add_arguments(self, parser):
            parser.add_argument("--twice", action="store_true")

        def run(self, dataset, args):
            ds = kerazoo.get_dataset(dataset, **self.dataset_options(args))
            print(ds.name, ds.image_shape, args.twice)
            return []

    class Odd(View):
        subject = "audio"

        def run(self, model, args):
            return []
    """
)


def _data_views(folder, on_path, names: dict[str, str]) -> None:
    groups = {"kerazoo.views": {k: f"kzdata:{v}" for k, v in names.items()}}
    on_path(write_distribution(folder, "kz-data", groups, {"kzdata": DATA_VIEWS}))


def test_a_third_party_view_may_look_at_a_dataset(tmp_path, on_path, capsys) -> None:
    _data_views(tmp_path, on_path, {"sizes": "Sizes"})
    argv = ["look", "sizes", "shapes", "--data", "size=20x30", "--twice"]
    assert cli.main(argv) == 0
    assert capsys.readouterr().out == "shapes (20, 30, 1) True\n"
    assert cli.main(["look", "sizes", "shape"]) == 2
    assert "Unknown dataset 'shape'. Did you mean 'shapes'?" in capsys.readouterr().err
    assert kerazoo.run_view(extensions.get_view("sizes"), "shapes", data={"size": 16}) == []
    assert capsys.readouterr().out == "shapes (16, 16, 1) False\n"


def test_a_view_with_an_unknown_subject_is_reported_and_refused(tmp_path, on_path) -> None:
    _data_views(tmp_path, on_path, {"sizes": "Sizes", "odd": "Odd"})
    report = {(e.kind, e.name): e for e in registry.plugin_report()}
    assert report["view", "sizes"].status == "loaded"
    assert "has subject = 'audio'; it must be one of 'model', 'dataset'" in (
        report["view", "odd"].error
    )
    with pytest.warns(registry.PluginWarning, match=r"'odd' from kz-data 0.1 failed to load"):
        assert "odd" not in extensions.list_views()
    with pytest.raises(
        kerazoo.PluginError, match=r"'odd' from kz-data 0\.1 cannot be used: .*names\)\. `"
    ):
        extensions.get_view("odd")


def test_an_unknown_callback_is_refused_before_training(tmp_path) -> None:
    with pytest.raises(kerazoo.UnknownNameError, match=r"Unknown callback 'nope'\. Available"):
        kerazoo.train("shapes", "lenet", out=tmp_path / "run", callbacks=["nope"], epochs=1)
    assert not (tmp_path / "run" / "model.keras").exists()


def test_view_options_from_python_are_checked(plugin_site, on_path) -> None:
    from kerazoo._views import run_view

    on_path(plugin_site)
    with pytest.raises(kerazoo.InvalidOptionError, match=r"Unknown option .hieght. for view"):
        run_view(extensions.get_view("widths"), "run", hieght=3)


def test_a_missing_command_module_is_an_error(monkeypatch) -> None:
    monkeypatch.setattr(cli, "COMMANDS", (*cli.COMMANDS, "no_such_command"))
    with pytest.raises(ModuleNotFoundError, match="kerazoo._cli.no_such_command"):
        cli.build_parser()


class _EpochFile:
    """A Keras callback (made lazily: keras loads on first use) that appends to a file."""

    def __new__(cls, path):
        import keras

        class EpochFile(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                with open(path, "a") as f:
                    f.write(f"{epoch + 1}\n")

        return EpochFile()


@pytest.mark.slow
def test_compare_and_tune_add_callbacks_by_name_or_object(plugin_site, on_path, tmp_path) -> None:
    on_path(plugin_site)
    tiny = {"data": {"size": 16}, "epochs": 1, "train_size": 64, "val_size": 32, "test_size": 32}
    done = kerazoo.compare(
        "shapes",
        "lenet",
        seeds=1,
        out=tmp_path / "cmp",
        verbose=False,
        inside_steps=0,
        classes_steps=0,
        callbacks=["epoch_log"],
        **tiny,
    )
    assert (done.dir / "baseline" / "seed-0" / "epochs.txt").read_text().startswith("1 ")
    log = tmp_path / "trials.txt"
    kerazoo.tune(
        "shapes",
        "lenet",
        trials=2,
        out=tmp_path / "tune",
        verbose=False,
        callbacks=[_EpochFile(log)],
        **tiny,
    )
    assert log.read_text() == "1\n1\n"  # one epoch in each of the two trials


def test_tune_refuses_callbacks_when_other_processes_run_the_trials(tmp_path) -> None:
    with pytest.raises(kerazoo.InvalidOptionError, match=r"with workers or a chief the trials"):
        kerazoo.tune("shapes", "lenet", trials=2, workers=2, out=tmp_path, callbacks=["x"])
