"""``chronox_domain`` and ``chronox_domain.services`` load their names on first use: each
package's table of names, its ``__all__`` and the imports the type checker reads all say
the same thing, and every name loads as the object its module defines."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from types import ModuleType

import pytest

import chronox_domain
import chronox_domain.services

PACKAGES = [chronox_domain, chronox_domain.services]


def _type_checking_imports(package: ModuleType) -> dict[str, str]:
    assert package.__file__ is not None
    tree = ast.parse(Path(package.__file__).read_text())
    (block,) = [node for node in tree.body if isinstance(node, ast.If)]
    return {
        alias.name: node.module.rsplit(".", 1)[-1]
        for node in block.body
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }


@pytest.mark.parametrize("package", PACKAGES, ids=lambda package: package.__name__)
def test_the_table_the_exports_and_the_typed_imports_agree(package: ModuleType) -> None:
    table = package._MODULE_OF
    assert sorted(package.__all__) == sorted(table)
    assert _type_checking_imports(package) == table


@pytest.mark.parametrize("package", PACKAGES, ids=lambda package: package.__name__)
def test_every_name_loads_as_its_module_defines_it(package: ModuleType) -> None:
    for name, module in package._MODULE_OF.items():
        defined = getattr(importlib.import_module(f"{package.__name__}.{module}"), name)
        assert getattr(package, name) is defined
        assert name in dir(package)


@pytest.mark.parametrize("package", PACKAGES, ids=lambda package: package.__name__)
def test_an_unknown_name_is_an_attribute_error(package: ModuleType) -> None:
    with pytest.raises(AttributeError, match="NoSuchName"):
        package.NoSuchName  # noqa: B018
