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
