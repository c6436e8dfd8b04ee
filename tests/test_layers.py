"""The house's floors only point down (docs/architecture.md#layers-and-dependencies).

Every import of the project's Python packages is read from the source (including imports
inside functions and under TYPE_CHECKING: a circle closed that way is still a circle) and
held to the layering:

    backend/ (plumbing)  <  sync/ (rows)  <  accounts  <  tracking  <  notifications  <  syncapi

An import may point to its own floor or one below, never up; tracking/rules/ imports
nothing but itself and the standard library; there is no import circle between modules;
and accounts does not reach tracking by name either (dotted strings, get_model).
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOORS = ["backend", "sync", "accounts", "tracking", "notifications", "syncapi"]
# backend/ routes the apps and, in development, generates their Web Push keys: the two
# places the plumbing names what it serves.
ROUTING = {"backend.urls", "backend.settings"}
PURE = "tracking.rules"
NAMED_BY_STRING = re.compile(r"^(tracking|notifications|syncapi)(\.[A-Za-z_][A-Za-z0-9_]*)+$")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for floor in FLOORS
        for path in (ROOT / floor).rglob("*.py")
        if "migrations" not in path.parts
    }


def imports_of(module: str, source: str, is_package: bool) -> set[str]:
    """Every module name an import statement in `source` names (absolute, resolved)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".")
                package = package[: len(package) - node.level + (1 if is_package else 0)]
                base = ".".join([*package, *([node.module] if node.module else [])])
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module → the project modules it imports."""
    edges: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        for target in imports_of(name, path.read_text(), path.name == "__init__.py"):
            resolved = _resolve(target, modules)
            if resolved and resolved != name and not name.startswith(resolved + "."):
                edges[name].add(resolved)
    return edges


def _resolve(target: str, modules) -> str | None:
    while target and target not in modules:
        target = target.rpartition(".")[0]
    return target or None


def floor_of(module: str) -> int:
    return FLOORS.index(module.split(".")[0])


def upward(edges: dict[str, set[str]]) -> list[str]:
    return [
        f"{source} → {target}"
        for source, targets in sorted(edges.items())
        for target in sorted(targets)
        if floor_of(target) > floor_of(source) and source not in ROUTING
    ]


def impure_rules(edges: dict[str, set[str]], modules: dict[str, Path]) -> list[str]:
    found = []
    for name, path in modules.items():
        if not name.startswith(PURE):
            continue
        source = path.read_text()
        names = imports_of(name, source, path.name == "__init__.py")
        found += [f"{name} → {n}" for n in sorted(names) if n.split(".")[0] == "django"]
        found += [f"{name} → {t}" for t in sorted(edges.get(name, ())) if not t.startswith(PURE)]
    return found


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(set(edges) | {t for ts in edges.values() for t in ts}):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        found.append(sorted(group))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(edges.get(child, ())))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def named_by_string(modules: dict[str, Path]) -> list[str]:
    """accounts naming an app above it in a string: a task name, an import_string path, an
    app label handed to get_model."""
    found = []
    for name, path in modules.items():
        if not name.startswith("accounts"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and NAMED_BY_STRING.match(text):
                found.append(f"{name}: {text!r}")
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "get_model":
                labels = [a.value for a in node.args if isinstance(a, ast.Constant)]
                if any(str(label).split(".")[0] in FLOORS[3:] for label in labels):
                    found.append(f"{name}: get_model({labels[0]!r})")
    return found


# --- The project ----------------------------------------------------------------------------
MODULES = project_modules()
EDGES = graph(MODULES)


def test_no_import_points_up_a_floor():
    assert upward(EDGES) == []


def test_the_rules_import_nothing_but_themselves():
    assert impure_rules(EDGES, MODULES) == []


def test_no_modules_import_each_other_in_a_circle():
    assert circles(EDGES) == []


def test_accounts_does_not_name_the_apps_above_it():
    assert named_by_string(MODULES) == []


def test_only_routing_reaches_the_protocol():
    reaching = {
        source for source, targets in EDGES.items() for t in targets if t.startswith("syncapi")
    }
    assert {s for s in reaching if not s.startswith("syncapi")} <= ROUTING


# --- The checks can fail --------------------------------------------------------------------
def test_the_checks_catch_what_they_are_for(tmp_path):
    planted = {
        "sync.clock": {"tracking.models"},  # the row layer reaching up
        "accounts.models": {"accounts.services"},
        "accounts.services": {"accounts.models"},  # a circle
    }
    assert upward(planted) == ["sync.clock → tracking.models"]
    assert circles(planted) == [["accounts.models", "accounts.services"]]
    assert imports_of("tracking.rules.x", "from ..models import Regimen", False) >= {
        "tracking.models",
        "tracking.models.Regimen",
    }
    source = tmp_path / "planted.py"
    source.write_text(
        'TASK = "tracking.tasks.recompute_member"\napps.get_model("tracking", "Flag")\n'
    )
    assert len(named_by_string({"accounts.planted": source})) == 2
