"""The allowed import directions between the project's packages, from an AST scan of every
module (imports inside functions and ``importlib.import_module`` of a literal name included):

- ``services/common`` is shared by every service and imports no other ``services.*`` package;
- no module under ``services/`` except ``services/cli/`` imports ``monitoring``, ``pipelines``
  or ``loadtests``;
- ``monitoring`` imports from ``services`` only ``services.common`` and ``services.gateway``
  (the cost ledger and price table it reads);
- ``services/gateway`` imports no ``services.engine`` (model specs and the ``Engine`` protocol
  live in ``services/common``);
- only ``services/common/ray_adapter.py`` imports private Ray APIs (a module or name starting
  with ``_``), and the composition root ``services/gateway/wiring.py`` imports no Ray (README
  Architecture);
- metric classes of ``prometheus_client`` are imported only by ``services/common/metrics.py``, the
  one place metrics are declared (README Architecture).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("services", "monitoring", "pipelines", "loadtests")


@dataclass(frozen=True)
class Import:
    path: str  # the importing file, relative to the repository
    line: int
    source: str  # the importing module, dotted
    statement: str  # as written, with relative imports resolved
    targets: frozenset[str]  # every module name the statement may import


def under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_in(path: Path, root: Path = ROOT) -> Iterator[Import]:
    """Every import statement in one file, relative ones resolved against its package."""
    source = module_name(path, root)
    package = source if path.name == "__init__.py" else source.rpartition(".")[0]
    rel = path.relative_to(root).as_posix()
    for node in ast.walk(ast.parse(path.read_text(), rel)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(rel, node.lineno, source, f"import {alias.name}", frozenset({alias.name}))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names = [alias.name for alias in node.names]
            # `from a import b` may import module a.b: both are targets
            targets = frozenset({module, *(f"{module}.{name}" for name in names if name != "*")})
            yield Import(rel, node.lineno, source, f"from {module} import {', '.join(names)}", targets)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            name = node.args[0].value
            yield Import(rel, node.lineno, source, f"import_module({name!r})", frozenset({name}))


def project_imports(root: Path = ROOT) -> list[Import]:
    found = []
    for top in PACKAGES:
        for path in sorted((root / top).rglob("*.py")):
            if "__pycache__" not in path.parts:
                found.extend(imports_in(path, root))
    return found


@dataclass(frozen=True)
class Rule:
    name: str
    applies: Callable[[str], bool]  # to the importing module
    forbidden: Callable[[str], bool]  # the imported module


RULES = [
    Rule(
        "services.common imports no other services package",
        lambda src: under(src, "services.common"),
        lambda dst: under(dst, "services") and dst != "services" and not under(dst, "services.common"),
    ),
    Rule(
        "only services.cli imports monitoring, pipelines or loadtests",
        lambda src: under(src, "services") and not under(src, "services.cli"),
        lambda dst: dst.partition(".")[0] in ("monitoring", "pipelines", "loadtests"),
    ),
    Rule(
        "monitoring imports only services.common and services.gateway from services",
        lambda src: under(src, "monitoring"),
        lambda dst: (
            under(dst, "services")
            and dst != "services"
            and not under(dst, "services.common")
            and not under(dst, "services.gateway")
        ),
    ),
    Rule(
        "services.gateway imports no services.engine",
        lambda src: under(src, "services.gateway"),
        lambda dst: under(dst, "services.engine"),
    ),
    Rule(
        "only services.common.ray_adapter imports private Ray APIs",
        lambda src: src != "services.common.ray_adapter",
        lambda dst: under(dst, "ray") and any(part.startswith("_") for part in dst.split(".")),
    ),
    Rule(
        "the composition root services.gateway.wiring imports no Ray",
        lambda src: src == "services.gateway.wiring",
        lambda dst: under(dst, "ray"),
    ),
    Rule(
        "metrics are declared only through services.common.metrics",
        lambda src: src != "services.common.metrics",
        lambda dst: (
            dst
            in {f"prometheus_client.{kind}" for kind in ("Counter", "Gauge", "Histogram", "Summary", "Info", "Enum")}
            or under(dst, "prometheus_client.metrics")
        ),
    ),
]


def violations(rule: Rule, imports: list[Import]) -> list[str]:
    return [
        f"{imp.path}:{imp.line}: {imp.statement}"
        for imp in imports
        if rule.applies(imp.source) and any(rule.forbidden(target) for target in imp.targets)
    ]


@pytest.mark.parametrize("rule", RULES, ids=[rule.name for rule in RULES])
def test_import_direction(rule):
    if offending := violations(rule, project_imports()):
        pytest.fail(f"{rule.name}; these imports break it:\n" + "\n".join(offending), pytrace=False)


def test_the_scan_sees_relative_lazy_and_dynamic_imports(tmp_path):
    """The scanner itself: a rule broken in each way it can be written is found, with its line."""
    gateway = tmp_path / "services" / "gateway"
    gateway.mkdir(parents=True)
    (tmp_path / "services" / "__init__.py").write_text("")
    (gateway / "__init__.py").write_text("from .. import engine\n")
    (gateway / "service.py").write_text(
        "import importlib\n"
        "from services.common.errors import LLMOpsError\n"
        "def f():\n"
        "    from ..engine.config import ModelSpec\n"
        "    import monitoring.cost.ledger\n"
        "    return importlib.import_module('services.engine.server')\n"
    )
    imports = project_imports(tmp_path)
    assert violations(RULES[3], imports) == [
        "services/gateway/__init__.py:1: from services import engine",
        "services/gateway/service.py:4: from services.engine.config import ModelSpec",
        "services/gateway/service.py:6: import_module('services.engine.server')",
    ]
    assert violations(RULES[1], imports) == ["services/gateway/service.py:5: import monitoring.cost.ledger"]
    assert violations(RULES[0], imports) == []


def test_private_ray_imports_are_found_outside_the_adapter_only():
    private, wiring = RULES[4], RULES[5]
    found = [
        Import("services/gateway/x.py", 3, "services.gateway.x", "from ray.serve.context import _ctx",
               frozenset({"ray.serve.context", "ray.serve.context._ctx"})),
        Import("services/common/ray_adapter.py", 4, "services.common.ray_adapter", "import ray._private.utils",
               frozenset({"ray._private.utils"})),
        Import("services/gateway/wiring.py", 5, "services.gateway.wiring", "import ray", frozenset({"ray"})),
    ]  # fmt: skip
    assert violations(private, found) == ["services/gateway/x.py:3: from ray.serve.context import _ctx"]
    assert violations(wiring, found) == ["services/gateway/wiring.py:5: import ray"]
