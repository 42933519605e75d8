"""Guard the public names: what __all__ promises exists, and nothing private leaks."""

from __future__ import annotations

import smstatus


def test_all_names_exist_and_are_sorted_uniquely():
    assert len(set(smstatus.__all__)) == len(smstatus.__all__)
    for name in smstatus.__all__:
        assert hasattr(smstatus, name), name


def test_no_private_names_exported():
    assert not [n for n in smstatus.__all__ if n.startswith("_") and n != "__version__"]


def test_py_typed_is_shipped():
    from importlib.resources import files

    assert files("smstatus").joinpath("py.typed").is_file()


def test_python_dash_m_and_main_without_subprocess(capsys):
    from smstatus.cli import main

    assert main(["--version"]) == 0
    assert smstatus.__version__ in capsys.readouterr().out
    assert main(["no-such-command"]) == 2


def test_functions_and_the_modules_defining_them_have_distinct_paths():
    import types

    import smstatus.analysis.phases as phases
    import smstatus.validation.checks as checks

    assert isinstance(checks, types.ModuleType) and isinstance(phases, types.ModuleType)
    assert isinstance(smstatus.validation, types.ModuleType)
    assert callable(smstatus.validate) and callable(smstatus.durations)
    assert callable(smstatus.simulate)
    assert checks.validate is smstatus.validate is smstatus.validation.validate
    from smstatus.analysis.phases import phase_table

    assert phase_table is smstatus.phase_table


def test_version_comes_from_the_installed_metadata():
    from importlib.metadata import version

    assert smstatus.__version__ == version("smstatus")


def test_importing_smstatus_does_not_import_pyplot_or_optional_packages():
    import subprocess
    import sys

    code = (
        "import sys, smstatus; "
        "print(any(m in sys.modules for m in "
        "('matplotlib.pyplot', 'boto3', 'lifelines', 'dask', 'tqdm')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
