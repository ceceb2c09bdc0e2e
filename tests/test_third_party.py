"""kerazoo.testing as a plugin author uses it, on a real pip-installed third-party plugin."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tests.fixtures.processes import ROOT


@pytest.mark.slow
def test_contract_checks_pass_for_a_pip_installed_plugin(plugin_site, tmp_path) -> None:
    code = textwrap.dedent(
        f"""
        import warnings
        from kerazoo.testing import check_architecture, check_dataset
        warnings.simplefilter("ignore")  # kz-broken is installed beside it
        check_dataset("stripes")
        print(check_architecture("tinynet", "stripes", {str(tmp_path)!r}).name)
        print(check_architecture("lenet", "stripes", {str(tmp_path)!r}, size=12).name)
        """
    )
    env = {"PYTHONPATH": str(plugin_site), "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": ""}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["tinynet-stripes.keras", "lenet-stripes.keras"]


def test_contract_check_names_what_is_wrong(tmp_path, on_path) -> None:
    import pytest

    import kerazoo
    from kerazoo.testing import ContractError, check_architecture
    from tests.fixtures.processes import write_distribution

    source = textwrap.dedent(
        """
        import kerazoo

        class Liar(kerazoo.Architecture):
            description = "claims reconstruction, returns features"
            tasks = ("reconstruction",)

            def build_body(self, inputs, spec, data_format):
                import keras
                return keras.layers.GlobalAveragePooling2D(data_format=data_format)(inputs)
        """
    )
    on_path(
        write_distribution(
            tmp_path / "site",
            "kz-liar",
            {"kerazoo.architectures": {"liar": "kzliar:Liar"}},
            {"kzliar": source},
        )
    )
    with pytest.raises(
        kerazoo.PluginError,
        match=r"returned shape .* for reconstruction; it "
        r"must equal the input shape",
    ):
        check_architecture("liar", "shapes", tmp_path, size=16)
    assert issubclass(ContractError, AssertionError)
