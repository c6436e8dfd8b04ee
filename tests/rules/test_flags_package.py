"""The flag rules' package keeps its floors pointing down: the families import `common` and
nothing else of the package, `common` imports no family, no module of the package imports the
package itself, every rule a family exposes is in RULES, and the rules import no Django."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tracking.rules.flags import RULES

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "tracking" / "rules" / "flags"
NAME = "tracking.rules.flags"
COMMON = f"{NAME}.common"


def imports(source: str, module: str) -> set[str]:
    """The modules `source` (the text of `module`) imports, relative imports made absolute;
    `from pkg import name` counts as importing `pkg`."""
    package = module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            found.add(".".join(part for part in (base, node.module) if part))
    return found


def package_modules() -> dict[str, set[str]]:
    """Each module of the package (but `__init__`) with what it imports of the package."""
    return {
        f"{NAME}.{path.stem}": {
            name
            for name in imports(path.read_text(encoding="utf-8"), f"{NAME}.{path.stem}")
            if name == NAME or name.startswith(f"{NAME}.")
        }
        for path in sorted(PACKAGE.glob("*.py"))
        if path.stem != "__init__"
    }


def test_the_import_reader_sees_a_planted_import():
    planted = (
        "from tracking.rules.flags.vitamin_k import x\nfrom . import common\n"
        "from .common import flag\nimport django.db\n"
    )
    assert imports(planted, f"{NAME}.life_stage") == {
        f"{NAME}.vitamin_k",
        NAME,
        COMMON,
        "django.db",
    }


def test_families_import_only_common_and_common_no_family():
    modules = package_modules()
    assert COMMON in modules and len(modules) > 1  # the reader found the package
    assert modules.pop(COMMON) == set()
    wrong = {module: found - {COMMON} for module, found in modules.items() if found - {COMMON}}
    assert not wrong, f"a family imports more of the package than common: {wrong}"


def test_every_rule_a_family_exposes_is_in_rules():
    exposed = set()
    for module in package_modules():
        if module == COMMON:
            continue
        path = PACKAGE / f"{module.rpartition('.')[2]}.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        exposed |= {
            (module, node.name)
            for node in tree.body
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
        }
    listed = {(rule.__module__, rule.__name__) for rule in RULES}
    assert exposed == listed


def test_the_rules_import_no_django():
    # In a fresh interpreter: pytest-django has already imported Django into this one.
    check = (
        "import sys, tracking.rules.flags, tracking.rules.adherence, tracking.rules.schedule\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
