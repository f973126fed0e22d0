"""The shared library imports no service, and no service imports the tools that load them all."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SERVICES_DIR = Path(__file__).resolve().parents[2] / "services"
SERVICE_PACKAGES = sorted(
    p.name for p in SERVICES_DIR.iterdir() if p.name.startswith("ko_") and p.name not in ("ko_common", "ko_tools")
)


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """Every module ``path`` imports: import statements and ``importlib.import_module("...")`` of a literal or
    f-string (its literal start, e.g. ``ko_`` of ``f"ko_{name}.app"``)."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
            "import_module",
            "__import__",
        ):
            arg = node.args[0] if node.args else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                yield node.lineno, arg.value
            elif isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
                yield node.lineno, str(arg.values[0].value)


def _offences(package: str, forbidden: tuple[str, ...]) -> list[str]:
    """Imports of ``forbidden`` packages in ``package``; ``ko_`` in ``forbidden`` stands for f"ko_{name}..."."""
    found = []
    for path in sorted((SERVICES_DIR / package).rglob("*.py")):
        for line, module in _imports(path):
            if module.split(".")[0] in forbidden:
                found.append(f"{path.relative_to(SERVICES_DIR)}:{line} imports {module}")
    return found


def test_the_shared_library_imports_no_service() -> None:
    assert SERVICE_PACKAGES, "no service package found"
    assert _offences("ko_common", (*SERVICE_PACKAGES, "ko_tools", "ko_")) == []


def test_no_service_imports_the_tools() -> None:
    for package in SERVICE_PACKAGES:
        assert _offences(package, ("ko_tools",)) == [], package
