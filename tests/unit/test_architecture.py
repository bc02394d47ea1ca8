"""The package's shape: layers import only from the layers above them, and no module imports itself back.

Imports are read from the source (``ast``), including imports inside functions, excluding ``TYPE_CHECKING``
blocks (annotations only, never run). docs/architecture.md describes the layers.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import yc_contracts

PACKAGE = Path(yc_contracts.__file__).parent

# The flow of docs/architecture.md, top to bottom: a module may import from its own layer and the layers above.
LAYERS = [
    "contract",
    "rules",
    "schema",
    "validation",
    "conversion",
    "transcoding",
    "gateway",
    "emulator",
    "cli",
    "testing",
]
SURFACE = {"yc_contracts", "yc_contracts.__main__", "yc_contracts._version"}
SURFACE_LAYERS = {"gateway", "emulator", "client", "cli"}
"""Layers that are products of their own (a server, a command): they may name the package's version."""


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "_gen" not in p.relative_to(PACKAGE).parts}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package modules ``name`` imports at run time (any depth in the file, TYPE_CHECKING left out)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return {m for m in found if m in known and m != name}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in LAYERS:
        return LAYERS.index(parts[1])
    return None


def test_the_graph_is_read() -> None:
    graph = _graph()
    assert "yc_contracts.validation.validator" in graph["yc_contracts.conversion.protojson"]
    assert "yc_contracts.contract.registry" in graph["yc_contracts.validation.validator"]


def test_no_import_cycle() -> None:
    graph = _graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycles.append([*stack[stack.index(target) :], target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    # A package's __init__ importing its own modules is not a cycle worth reporting unless a module imports back.
    assert cycles == [], "\n".join(" -> ".join(c) for c in cycles)


def test_layers_import_only_from_above() -> None:
    wrong = []
    for module, targets in _graph().items():
        mine = _layer(module)
        if mine is None:
            continue
        for target in targets:
            theirs = _layer(target)
            if target in SURFACE and module.split(".")[1] not in SURFACE_LAYERS:
                wrong.append(f"{module} imports the public surface {target}")
            elif theirs is not None and theirs > mine:
                wrong.append(f"{module} ({LAYERS[mine]}) imports {target} ({LAYERS[theirs]})")
    assert wrong == []


@pytest.mark.parametrize("layer", LAYERS)
def test_every_layer_is_a_folder_with_a_docstring(layer: str) -> None:
    init = PACKAGE / layer / "__init__.py"
    assert init.is_file()
    assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))


def test_no_flat_private_modules_left() -> None:
    """Every module lives in its layer's folder; only the public surface stays at the top."""
    flat = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert flat == ["__init__.py", "__main__.py", "_version.py"]
