"""The error hierarchy is public as a whole: ``from chronox_domain import NotRegistered``
works for every error chronox raises on purpose, as it does for ``NotFound``."""

from __future__ import annotations

import chronox_domain
from chronox_domain import errors


def test_the_domain_package_exports_every_error_of_the_hierarchy() -> None:
    defined = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, errors.ChronoxError)
    }
    assert defined - set(chronox_domain.__all__) == set()
    assert all(getattr(chronox_domain, name) is getattr(errors, name) for name in defined)


def test_not_registered_is_the_not_found_of_a_symbol() -> None:
    missing = chronox_domain.NotRegistered("ZZZ")
    assert isinstance(missing, chronox_domain.NotFound) and missing.code == "not_found"
