"""Citations of the architecture's rules point at a document the repository has, and at a
rule that document numbers: a rule number no reader can look up costs them trust."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARCHITECTURE = ROOT / "docs" / "architecture.md"
CITED = (".py", ".md", ".cfg", ".toml", ".ini")
#: ``docs/architecture.md, rule 4`` (a line break may fall anywhere in between).
CITATION = re.compile(r"docs/architecture\.md,\s+rules?\s+(\d+)")
#: Any citation of a rule by number, whatever document it names.
ANY_RULE = re.compile(r"([\w./-]+\.md),?\s+rules?\s+\d+", re.IGNORECASE)


def _tracked_texts() -> dict[str, str]:
    names = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return {
        name: (ROOT / name).read_text(encoding="utf-8")
        for name in names
        if name.endswith(CITED) and (ROOT / name).is_file()
    }


def _numbered_rules() -> dict[int, str]:
    """The rules docs/architecture.md numbers, by number: ``1. **A pure domain.**``."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    return {
        int(number): title
        for number, title in re.findall(r"^(\d+)\. \*\*(.+?)\*\*", text, re.MULTILINE)
    }


def test_the_architecture_numbers_the_rules_the_code_enforces() -> None:
    rules = _numbered_rules()
    assert sorted(rules) == list(range(1, len(rules) + 1))
    assert rules[1] == "A pure domain."
    assert rules[2] == "Independent adapters."
    assert rules[3] == "Thin entry points."
    assert rules[4] == "The GUI reads only the API."
    assert rules[5] == "Nothing connects at import time."


def test_every_rule_cited_is_one_docs_architecture_numbers() -> None:
    rules = _numbered_rules()
    cited: list[tuple[str, int]] = []
    elsewhere: list[tuple[str, str]] = []
    for name, text in _tracked_texts().items():
        flat = " ".join(text.split())
        cited += [(name, int(n)) for n in CITATION.findall(flat)]
        elsewhere += [
            (name, doc) for doc in ANY_RULE.findall(flat) if doc != "docs/architecture.md"
        ]
    assert elsewhere == []
    assert cited, "the monitor's modules cite rule 4; the pattern must still find them"
    assert [(name, n) for name, n in cited if n not in rules] == []


def test_the_monitor_cites_the_rule_that_it_reads_only_the_api() -> None:
    texts = _tracked_texts()
    for name in ("docs/monitor.md", "chronox_entrypoints/gui/__init__.py", "setup.cfg"):
        flat = " ".join(texts[name].split())
        assert "docs/architecture.md, rule 4" in flat, name


def _classes(module: object, protocols: bool) -> set[str]:
    """The classes ``module`` defines: its Protocols, or every other class."""
    return {
        name
        for name, value in vars(module).items()
        if isinstance(value, type)
        and value.__module__ == getattr(module, "__name__", "")
        and bool(getattr(value, "_is_protocol", False)) == protocols
    }


def test_the_architecture_diagram_names_every_port_service_and_adapter_family() -> None:
    import importlib
    import pkgutil

    import chronox_adapters
    import chronox_domain.ports
    import chronox_domain.services

    text = ARCHITECTURE.read_text(encoding="utf-8")
    diagram = text[text.index("```mermaid") : text.index("```", text.index("```mermaid") + 3)]
    ports = _classes(chronox_domain.ports, protocols=True)
    services = {
        name
        for info in pkgutil.iter_modules(chronox_domain.services.__path__)
        for name in _classes(
            importlib.import_module(f"chronox_domain.services.{info.name}"), protocols=False
        )
        if name.endswith(("Service", "Orchestrator", "Daemon")) or name == "Pipeline"
    }
    families = {info.name for info in pkgutil.iter_modules(chronox_adapters.__path__) if info.ispkg}
    named = set(re.findall(r"\w+", diagram))
    assert ports - named == set()
    assert services - named == set()
    assert families - named == set()
