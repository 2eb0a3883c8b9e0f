"""The package's layers: each module imports only from its own layer and those below.

Read bottom-up: `embeddings` knows nothing of `qa`; `qa.config` and `qa.types` are the
foundation; text processing knows nothing of retrieval; retrieval nothing of answering;
evaluation, the chat and the command line sit on top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Layer of each package prefix, lowest first (the longest matching prefix wins).
LAYERS = {
    "embeddings": 0,
    "qa.config": 1,
    "qa.types": 1,
    "qa.text": 2,
    "qa.retrieval": 3,
    "qa.conversations": 3,
    "qa.answering": 4,
    "qa.errors": 5,
    "qa.setup_models": 5,
    "qa.evaluation": 5,
    "qa.tui": 6,
    "qa.cli": 7,
    "qa": 8,  # qa/__init__.py: the public API over everything
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> int | None:
    matches = [p for p in LAYERS if module == p or module.startswith(p + ".")]
    return LAYERS[max(matches, key=len)] if matches else None


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


MODULES = sorted(p for d in ("qa", "embeddings") for p in (ROOT / d).rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: _module_name(p))
def test_no_module_imports_from_a_layer_above(path: Path) -> None:
    module = _module_name(path)
    own = _layer(module)
    assert own is not None, f"{module} belongs to no layer: add it to LAYERS"
    above = sorted(
        name for name in _imports(path) if (layer := _layer(name)) is not None and layer > own
    )
    assert not above, f"{module} (layer {own}) imports from a layer above: {above}"


def test_every_qa_subpackage_is_listed_for_installation() -> None:
    """pyproject.toml lists the packages by hand (corpus/ and prompts/ are mapped in)."""
    import tomllib

    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    on_disk = {_module_name(p.parent / "__init__.py") for p in (ROOT / "qa").rglob("__init__.py")}
    on_disk |= {"embeddings"}
    assert on_disk <= listed, f"not listed in pyproject.toml: {sorted(on_disk - listed)}"
