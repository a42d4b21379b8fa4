"""Backend lookup: built-ins, plugins from the entry-point group, and one-line errors."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest

from multikernelbench.backends import cpp, registry
from multikernelbench.backends.cpp import CppBackend
from multikernelbench.errors import UserError


def test_cpp_is_built_in_and_available_here() -> None:
    backend = registry.require_backend("cpp")
    assert isinstance(backend, CppBackend)
    assert backend.device_kind == "cpu" and backend.mode() == "native"


def test_unknown_backend_names_the_available_ones() -> None:
    with pytest.raises(UserError, match="unknown backend 'nope'; available backends: .*cpp"):
        registry.get_backend("nope")


def test_plugins_come_from_the_entry_point_group(monkeypatch: pytest.MonkeyPatch) -> None:
    plugin = EntryPoint(name="mycpu", value="multikernelbench.backends.cpp:CppBackend", group=registry.ENTRY_POINT_GROUP)
    broken = EntryPoint(name="ghost", value="no_such_module:Backend", group=registry.ENTRY_POINT_GROUP)
    not_a_backend = EntryPoint(name="odd", value="pathlib:Path", group=registry.ENTRY_POINT_GROUP)
    monkeypatch.setattr(registry, "entry_points", lambda group: [plugin, broken, not_a_backend])
    assert {"cpp", "mycpu", "ghost", "odd"} <= set(registry.backend_names())
    assert isinstance(registry.get_backend("mycpu"), CppBackend)
    with pytest.raises(UserError, match="could not be loaded"):
        registry.get_backend("ghost")
    with pytest.raises(UserError, match="not a multikernelbench Backend"):
        registry.get_backend("odd")


def test_missing_compiler_makes_cpp_unavailable_with_an_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cpp.toolchains, "cxx_compiler", lambda: None)
    with pytest.raises(UserError, match="backend 'cpp' is unavailable: no C\\+\\+ compiler.*apt-get install g\\+\\+"):
        registry.require_backend("cpp")


def test_missing_torch_makes_cpp_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    real = cpp.importlib.util.find_spec
    monkeypatch.setattr(cpp.importlib.util, "find_spec", lambda name: None if name == "torch" else real(name))
    assert "pip install torch" in CppBackend().unavailable_reason()
