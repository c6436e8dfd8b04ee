"""The project's own docs hold what the code cites.

- Every source key the code, the app and the data cite is defined in docs/domain.md's
  Sources, and the app has a readable name for each of them.
- No file points at the design and domain notes that lived outside the repository (a clone
  does not have them); docs/ replaced them.
- Every `docs/….md#anchor` citation and every relative link in the README and docs/ lands
  on a file and a heading that exist, with GitHub's anchors.
- The reference-intake table in docs/domain.md is the one the rules' tests transcribe.

Each collector is also run on a small planted text, so a check that finds nothing proves
something.
"""

from __future__ import annotations

import ast
import csv
import re
import subprocess
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
THIS_FILE = Path(__file__).resolve().relative_to(ROOT).as_posix()
DOMAIN = ROOT / "docs" / "domain.md"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
RULES = ROOT / "tracking" / "rules"
REFERENCE_CSV = ROOT / "tracking" / "data" / "reference_intakes.csv"
SOURCE_NAMES_TS = ROOT / "app" / "src" / "domain" / "sources.ts"

# Never project files: version control, installed packages, state and caches (what
# .gitignore keeps out, for a copy without git).
SKIPPED_DIRS = {
    ".git",
    "node_modules",
    ".venv",
    "var",
    "dist",
    "staticfiles",
    "test-artifacts",
    "__pycache__",
    ".hypothesis",
    ".pytest_cache",
    ".ruff_cache",
}
# The notes that lived outside the repository, spelled so this file does not mention them.
OUTSIDE_NOTES = ("DOMAIN" + ".md", "DESIGN" + ".md")
# Applied migration operations keep the help text they were written with (operations of an
# applied migration are history; 0007 moved the models' help text to docs/domain.md).
HISTORICAL_LINES = {
    (
        "tracking/migrations/0003_adherence_and_flags.py",
        '("source", models.CharField(help_text="' + OUTSIDE_NOTES[0] + ' source key", '
        "max_length=16)),",
    ),
    (
        "tracking/migrations/0003_adherence_and_flags.py",
        '("source", models.CharField(help_text="' + OUTSIDE_NOTES[0] + ' source key(s)", '
        "max_length=64)),",
    ),
}
# The source keys docs/domain.md must keep listing (code, app and later work build on them).
KNOWN_KEYS = {
    "SEED",
    "ODS-CA",
    "ODS-D",
    "ODS-K",
    "ODS-MG",
    "FDA-ALN",
    "FDA-RIS",
    "FDA-IBN",
    "FDA-LT4",
    "PQA-PDC",
    "WMDB",
}

KEY = r"[A-Z][A-Z0-9]+(?:-[A-Z0-9]+)*"
KEY_LIST = re.compile(rf"{KEY}(?:\s*,\s*{KEY})*")
# `# source: ODS-CA`, `// source: FDA-ALN, FDA-RIS (…)`, `source: PQA-PDC (docs/…)`.
SOURCE_COMMENT = re.compile(rf"(?<![\w.])[Ss]ource:[ \t]*({KEY}(?:[ \t]*,[ \t]*{KEY})*)")
# `source="SEED, FDA-ALN"`, `source: 'ODS-K'`, `"source": "ODS-K"`.
SOURCE_VALUE = re.compile(
    r"""(?:\bsource\s*[=:]|["']source["']\s*:)\s*["']([^"'\n]*)["']""", re.IGNORECASE
)
DOC_CITATION = re.compile(r"(?<![\w/.-])(docs/[\w./-]+?\.md)(?:#([\w-]+))?")
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
EN_DASH = "\u2013"  # the tables' ranges and empty cells
HTML_ANCHOR = re.compile(r"""<a\s+(?:name|id)=["']([^"']+)["']""")


# --- Files -----------------------------------------------------------------------------
def repo_files() -> list[str]:
    """Tracked files, and new ones not ignored, as paths relative to the root."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout.decode()
        paths = [p for p in listed.split("\0") if p]
    except (OSError, subprocess.CalledProcessError):  # not a git checkout: walk the tree
        paths = [p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*")]
    return sorted(
        path
        for path in set(paths)
        if not SKIPPED_DIRS & set(path.split("/"))
        and (ROOT / path).is_file()
        and not (ROOT / path).is_symlink()
    )


def read_text(path: str) -> str | None:
    try:
        data = (ROOT / path).read_bytes()
    except OSError:
        return None
    if b"\0" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    found = {path: read_text(path) for path in repo_files() if path != THIS_FILE}
    return {path: text for path, text in found.items() if text is not None}


# --- Source keys -----------------------------------------------------------------------
def split_keys(value: str) -> list[str]:
    """A source value's keys ("SEED, FDA-ALN" → both), or [] if it is not a list of keys."""
    value = value.strip()
    if not KEY_LIST.fullmatch(value):
        return []
    return [key.strip() for key in value.split(",")]


def comment_keys(text: str) -> list[str]:
    return [key for match in SOURCE_COMMENT.finditer(text) for key in split_keys(match[1])]


def value_keys(text: str) -> list[str]:
    return [key for match in SOURCE_VALUE.finditer(text) for key in split_keys(match[1])]


def constant_keys(python_source: str) -> list[str]:
    """String constants that are source keys, as the flag rules hand them to FlagResult
    (`"SEED"`, `DRUG_SOURCE = {"alendronate": "FDA-ALN"}`, `_sources("SEED", …)`)."""
    return [
        key
        for node in ast.walk(ast.parse(python_source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        for key in split_keys(node.value)
    ]


def csv_keys(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [key for row in csv.DictReader(handle) for key in split_keys(row["source"])]


def app_source_names(typescript: str) -> set[str]:
    """The keys of SOURCE_NAMES in app/src/domain/sources.ts."""
    block = re.search(r"SOURCE_NAMES[^=]*=\s*\{(.*?)\n\}", typescript, re.DOTALL)
    assert block, "app/src/domain/sources.ts has no SOURCE_NAMES object"
    keys = re.findall(r"""^\s*(?:'([^']+)'|"([^"]+)"|([A-Za-z_]\w*))\s*:""", block[1], re.M)
    return {quoted or double or bare for quoted, double, bare in keys}


def section(markdown: str, title: str) -> str:
    """The text under the level-2 heading `title`, up to the next level-2 heading."""
    match = re.search(rf"^## {re.escape(title)}\s*\n(.*?)(?=^## |\Z)", markdown, re.M | re.S)
    assert match, f"no '## {title}' heading"
    return match[1]


def defined_keys(domain_markdown: str) -> set[str]:
    """The keys in the first column of docs/domain.md's Sources table."""
    return set(re.findall(rf"^\|\s*`({KEY})`\s*\|", section(domain_markdown, "Sources"), re.M))


def cited_keys(texts: dict[str, str]) -> dict[str, set[str]]:
    """Every source key cited anywhere, with where it was found."""
    cited: dict[str, set[str]] = defaultdict(set)
    for path, text in texts.items():
        if path.startswith("docs/"):
            continue  # the definitions themselves
        for key in comment_keys(text) + value_keys(text):
            cited[key].add(path)
    for module in sorted(RULES.rglob("*.py")):
        for key in constant_keys(module.read_text(encoding="utf-8")):
            cited[key].add(module.relative_to(ROOT).as_posix())
    for key in csv_keys(REFERENCE_CSV):
        cited[key].add(REFERENCE_CSV.relative_to(ROOT).as_posix())
    for key in app_source_names(SOURCE_NAMES_TS.read_text(encoding="utf-8")):
        cited[key].add(SOURCE_NAMES_TS.relative_to(ROOT).as_posix())
    return cited


def undefined(cited: dict[str, set[str]], defined: set[str]) -> list[str]:
    return [f"{key} (in {', '.join(sorted(cited[key]))})" for key in sorted(cited.keys() - defined)]


def test_domain_defines_the_projects_source_keys():
    defined = defined_keys(DOMAIN.read_text(encoding="utf-8"))
    assert sorted(KNOWN_KEYS - defined) == []


def test_every_cited_source_key_is_defined_in_docs_domain(texts):
    cited = cited_keys(texts)
    assert {"SEED", "ODS-CA", "FDA-ALN", "PQA-PDC"} <= cited.keys()  # the collectors ran
    missing = undefined(cited, defined_keys(DOMAIN.read_text(encoding="utf-8")))
    assert not missing, f"source keys not in docs/domain.md#sources: {missing}"


def test_the_app_names_exactly_the_keys_docs_domain_defines():
    defined = defined_keys(DOMAIN.read_text(encoding="utf-8"))
    named = app_source_names(SOURCE_NAMES_TS.read_text(encoding="utf-8"))
    assert sorted(defined - named) == [], "keys without a name in app/src/domain/sources.ts"
    assert sorted(named - defined) == [], "names in app/src/domain/sources.ts for unknown keys"


def test_the_key_collectors_find_a_planted_key():
    python = 'LIMIT = 2  # source: ODS-CA, PLANTED-KEY (a note)\nflag(source="SEED, PLANTED-PY")'
    typescript = "// source: FDA-ALN. More words\nconst row = { source: 'PLANTED-TS' }"
    rules = 'DRUGS = {"x": "PLANTED-RULE"}\nsource = _sources("SEED", None)\nname = "alendronate"'
    assert comment_keys(python) == ["ODS-CA", "PLANTED-KEY"]
    assert value_keys(python) == ["SEED", "PLANTED-PY"]
    assert comment_keys(typescript) == ["FDA-ALN"]
    assert value_keys(typescript) == ["PLANTED-TS"]
    assert sorted(constant_keys(rules)) == ["PLANTED-RULE", "SEED"]
    # Column types and plain values are not keys.
    assert comment_keys("source: text, source: str, source: 'app'") == []
    assert value_keys('source="app", source="is_active"') == []
    assert app_source_names("export const SOURCE_NAMES = {\n  SEED: 'x',\n  'NEW-K': 'y',\n}") == {
        "SEED",
        "NEW-K",
    }

    cited = {"SEED": {"a.py"}, "PLANTED-KEY": {"b.py"}}
    assert undefined(cited, KNOWN_KEYS) == ["PLANTED-KEY (in b.py)"]


# --- Nothing points outside the repository ---------------------------------------------
def stale_mentions(path: str, text: str) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if any(note in line for note in OUTSIDE_NOTES) and (path, line.strip()) not in (
            HISTORICAL_LINES
        ):
            found.append(f"{path}:{number}: {line.strip()[:100]}")
    return found


def test_no_file_cites_notes_outside_the_repository(texts):
    found = [mention for path, text in texts.items() for mention in stale_mentions(path, text)]
    assert not found, "point these at docs/domain.md or docs/architecture.md:\n" + "\n".join(found)


def test_the_mention_check_finds_a_planted_mention():
    planted = f"# Rules ({OUTSIDE_NOTES[1]}, Mobile sync)\nfine = 'docs/architecture.md'\n"
    assert stale_mentions("x.py", planted) == [f"x.py:1: # Rules ({OUTSIDE_NOTES[1]}, Mobile sync)"]
    historical = next(iter(HISTORICAL_LINES))
    assert stale_mentions(historical[0], "    " + historical[1]) == []
    assert stale_mentions("other.py", historical[1]) != []


# --- Links land on headings ------------------------------------------------------------
def github_anchor(heading: str) -> str:
    """GitHub's anchor for a heading: its text lower-cased, punctuation dropped, each space
    a hyphen (inline code and links count as their text)."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = text.replace("`", "").replace("*", "")
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = defaultdict(int)
    fence = None
    for line in markdown.splitlines():
        marker = re.match(r"^\s*(```|~~~)", line)
        if marker:
            fence = None if fence == marker[1] else fence or marker[1]
            continue
        if fence:
            continue
        found.update(HTML_ANCHOR.findall(line))
        heading = HEADING.match(line)
        if heading:
            anchor = github_anchor(heading[2])
            found.add(f"{anchor}-{seen[anchor]}" if seen[anchor] else anchor)
            seen[anchor] += 1
    return found


def broken_targets(source: str, targets: Iterable[tuple[str, str | None]]) -> list[str]:
    """Targets (a path from the root, an anchor or None) that do not land."""
    broken = []
    for path, anchor in targets:
        target = ROOT / path
        if not target.is_file():
            broken.append(f"{source}: {path} does not exist")
        elif anchor and anchor not in anchors(target.read_text(encoding="utf-8")):
            broken.append(f"{source}: {path} has no heading #{anchor}")
    return broken


def doc_citations(text: str) -> list[tuple[str, str | None]]:
    return [(match[1], match[2]) for match in DOC_CITATION.finditer(text)]


def markdown_links(path: str, text: str) -> list[tuple[str, str | None]]:
    """Relative links of a markdown file, as (path from the root, anchor)."""
    targets = []
    for link in MARKDOWN_LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", link):  # https:, mailto:
            continue
        file_part, _, anchor = link.partition("#")
        resolved = (ROOT / path).parent / file_part if file_part else ROOT / path
        relative = resolved.resolve().relative_to(ROOT).as_posix()
        targets.append((relative, anchor or None))
    return targets


def test_every_docs_citation_lands_on_a_heading(texts):
    cited = {path: doc_citations(text) for path, text in texts.items()}
    flag_rules = [path for path in cited if path.startswith("tracking/rules/flags/")]
    assert cited["README.md"] and any(cited[path] for path in flag_rules)  # the collector ran
    broken = [b for path, targets in cited.items() for b in broken_targets(path, targets)]
    assert not broken, "\n".join(broken)


def test_relative_links_in_the_readme_and_docs_land(texts):
    pages = [p for p in texts if p == "README.md" or (p.startswith("docs/") and p.endswith(".md"))]
    assert {"README.md", "docs/domain.md", "docs/architecture.md"} <= set(pages)
    broken = [b for path in pages for b in broken_targets(path, markdown_links(path, texts[path]))]
    assert not broken, "\n".join(broken)


def test_the_link_checks_catch_planted_broken_links():
    planted = (
        "see docs/domain.md#bisphosphonates, docs/domain.md#no-such-heading and docs/nowhere.md"
    )
    assert doc_citations(planted) == [
        ("docs/domain.md", "bisphosphonates"),
        ("docs/domain.md", "no-such-heading"),
        ("docs/nowhere.md", None),
    ]
    assert broken_targets("x.py", doc_citations(planted)) == [
        "x.py: docs/domain.md has no heading #no-such-heading",
        "x.py: docs/nowhere.md does not exist",
    ]
    links = markdown_links("docs/architecture.md", "[a](domain.md#sources) [b](#nope) [c](x.md)")
    assert broken_targets("docs/architecture.md", links) == [
        "docs/architecture.md: docs/architecture.md has no heading #nope",
        "docs/architecture.md: docs/x.md does not exist",
    ]


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Bisphosphonates", "bisphosphonates"),
        (
            "Taking calcium, magnesium, vitamin D and K well",
            "taking-calcium-magnesium-vitamin-d-and-k-well",
        ),
        ("Ossa's own choices", "ossas-own-choices"),
        ("Life-stage windows", "life-stage-windows"),
        ("The `sync_clock` and [pull](x.md)", "the-sync_clock-and-pull"),
        ("A — B", "a--b"),
    ],
)
def test_github_anchors(heading, anchor):
    assert github_anchor(heading) == anchor


def test_repeated_headings_get_numbered_anchors_and_code_blocks_have_none():
    markdown = "# Notes\n## Notes\n```\n# not a heading\n```\n## Other\n"
    assert anchors(markdown) == {"notes", "notes-1", "other"}


def test_the_docs_have_the_sections_code_builds_on():
    domain = anchors(DOMAIN.read_text(encoding="utf-8"))
    architecture = anchors(ARCHITECTURE.read_text(encoding="utf-8"))
    assert {
        "sources",
        "reference-intakes",
        "bisphosphonates",
        "schedules-and-waiting-windows",
        "missed-doses",
        "taking-calcium-magnesium-vitamin-d-and-k-well",
        "elemental-calcium",
        "keeping-doses-apart",
        "adherence",
        "watermelondb-sync-protocol",
    } <= domain
    assert {
        "layers-and-dependencies",
        "how-a-dose-becomes-a-flag",
        "how-a-push-is-applied",
        "sync-protocol",
        "wire-values",
        "status-codes",
        "tombstones-and-purge",
    } <= architecture


# --- The reference-intake table --------------------------------------------------------
def parse_cell(cell: str):
    values = []
    for part in cell.split(" / "):
        part = part.replace(" AI", "").strip()
        values.append(None if part == EN_DASH else float(part))
    return values[0] if len(values) == 1 else tuple(values)


def reference_table(domain_markdown: str) -> dict[str, dict[str, tuple]]:
    """docs/domain.md's reference-intake table as {condition: {band: cells}}, in the shape
    of tests/rules/test_reference.py's transcription."""
    rows = re.findall(r"^\|(.+)\|\s*$", section(domain_markdown, "Reference intakes"), re.M)
    table: dict[str, dict[str, tuple]] = {"none": {}, "pregnant": {}, "lactating": {}}
    for row in rows[2:]:  # after the header and its rule
        label, *cells = (cell.strip() for cell in row.split("|"))
        values = [parse_cell(cell) for cell in cells]
        condition = label.split()[0]
        if condition in ("pregnant", "lactating"):
            for i, band in enumerate(("14-18 y", "19-30 y", "31-50 y")):
                picked = (v[i] if isinstance(v, tuple) else v for v in values)
                table[condition][band] = tuple(picked)
        else:
            band = label.removesuffix(" M / F").replace(EN_DASH, "-")
            table["none"][band] = tuple(values)
    return table


def test_the_reference_table_is_the_one_the_rules_are_tested_against():
    from tests.rules.test_reference import LACTATING, PREGNANT, TABLE

    table = reference_table(DOMAIN.read_text(encoding="utf-8"))
    assert table == {"none": TABLE, "pregnant": PREGNANT, "lactating": LACTATING}


def test_the_table_parser_sees_a_changed_number():
    text = DOMAIN.read_text(encoding="utf-8")
    row = f"| 4{EN_DASH}8 y | 1000 | 2500 | 15 | 75 |"
    changed = text.replace(row, row.replace("| 75 |", "| 76 |"))
    assert changed != text
    assert reference_table(changed)["none"]["4-8 y"][3] == 76
