"""``chronox_domain.services`` loads its names on first use: its table of names, its
``__all__`` and the imports the type checker reads all say the same thing, and every
name loads as the object its module defines."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import chronox_domain.services as services


def _type_checking_imports() -> dict[str, str]:
    tree = ast.parse(Path(services.__file__).read_text())
    (block,) = [node for node in tree.body if isinstance(node, ast.If)]
    return {
        alias.name: node.module.rsplit(".", 1)[-1]
        for node in block.body
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }


def test_the_table_the_exports_and_the_typed_imports_agree() -> None:
    assert sorted(services.__all__) == sorted(services._MODULE_OF)
    assert _type_checking_imports() == services._MODULE_OF


def test_every_name_loads_as_its_module_defines_it() -> None:
    for name, module in services._MODULE_OF.items():
        defined = getattr(importlib.import_module(f"chronox_domain.services.{module}"), name)
        assert getattr(services, name) is defined


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchService"):
        services.NoSuchService  # noqa: B018
