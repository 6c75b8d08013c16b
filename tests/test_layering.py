"""Imports run one way: the core knows no Discord, only the entry point knows the client,
no module imports itself round a circle, and only the store speaks SQL.

Every import counts, wherever it is written: at the top, inside a function, or under
`if TYPE_CHECKING:`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import reviewbot

PACKAGE = "reviewbot"
SOURCE = Path(reviewbot.__file__).resolve().parent

CORE = {
    "review",
    "errors",
    "labels",
    "search",
    "ranking",
    "spelling",
    "shards",
    "pages",
    "files",
    "catalogue",
    "config",
    "store",
    "feeds",
}
ENTRY_POINTS = {"cli", "__main__"}
MODULE_LINES_MAX = 400
SQL = re.compile(
    r"\bSELECT\b.*\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\b.*\bSET\b|\bDELETE\s+FROM\b"
    r"|\bCREATE\s+TABLE\b",
    re.DOTALL,
)


@dataclass(frozen=True)
class Module:
    name: str  # dotted, e.g. "reviewbot.publishing.form"; a package is its __init__
    path: Path
    is_package: bool

    @property
    def short(self) -> str:
        return self.name.removeprefix(PACKAGE).removeprefix(".") or "__init__"

    def is_core(self) -> bool:
        top = self.short.split(".")[0]
        return top in CORE

    def tree(self) -> ast.Module:
        return ast.parse(self.path.read_text(encoding="utf-8"), str(self.path))


def modules(root: Path = SOURCE) -> dict[str, Module]:
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        name = ".".join([PACKAGE, *parts])
        found[name] = Module(name, path, is_package)
    return found


def imported(module: Module, known: dict[str, Module]) -> Iterator[tuple[str, int]]:
    """(module name, line) for each import in `module`: reviewbot modules by their full name,
    others by their top-level name. An import reaches the deepest module it names; a name
    imported from a package that is not one of its modules counts as the package's __init__.
    """
    package = module.name if module.is_package else module.name.rpartition(".")[0]
    for node in ast.walk(module.tree()):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield _deepest(alias.name, known), node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                inner = f"{target}.{alias.name}"
                yield (inner if inner in known else _deepest(target, known)), node.lineno


def _deepest(name: str, known: dict[str, Module]) -> str:
    if not name.startswith(PACKAGE):
        return name.split(".")[0]
    while name not in known and "." in name:
        name = name.rpartition(".")[0]
    return name


def graph(known: dict[str, Module]) -> dict[str, dict[str, int]]:
    """Each reviewbot module's imports of reviewbot modules, with a line of each."""
    edges: dict[str, dict[str, int]] = {}
    for name, module in known.items():
        edges[name] = {}
        for target, line in imported(module, known):
            if target in known and target != name:
                edges[name].setdefault(target, line)
    return edges


def cycles(edges: dict[str, dict[str, int]]) -> list[list[str]]:
    """Every strongly connected group of two or more modules (Tarjan), each as a path."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def sql_literals(module: Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(module.tree()):
        is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
        if is_text and SQL.search(node.value):
            yield node.lineno, node.value


# -- the rules --------------------------------------------------------------------------------


def discord_in_core(known: dict[str, Module]) -> list[str]:
    """The core reads without Discord: it imports neither discord nor the layers above it."""
    found = []
    for module in known.values():
        if not module.is_core():
            continue
        for target, line in imported(module, known):
            if target == "discord":
                found.append(f"{module.short}:{line} imports {target}")
            elif target in known and not (known[target].is_core() or target == PACKAGE):
                found.append(f"{module.short}:{line} imports {known[target].short}")
    return found


def client_importers(known: dict[str, Module]) -> list[str]:
    client = f"{PACKAGE}.bot"
    return [
        f"{known[name].short}:{line} imports bot"
        for name, targets in graph(known).items()
        if known[name].short not in ENTRY_POINTS
        for target, line in targets.items()
        if target == client
    ]


def import_cycles(known: dict[str, Module]) -> list[str]:
    edges = graph(known)
    found = []
    for group in cycles(edges):
        members = set(group)
        links = [
            f"{known[a].short}:{line} → {known[b].short}"
            for a in group
            for b, line in edges[a].items()
            if b in members
        ]
        found.append("; ".join(links))
    return found


def sql_outside_the_store(known: dict[str, Module]) -> list[str]:
    return [
        f"{module.short}:{line} {text.strip()[:60]!r}"
        for module in known.values()
        if module.short.split(".")[0] != "store"
        for line, text in sql_literals(module)
    ]


def too_long(known: dict[str, Module]) -> list[str]:
    """Modules a newcomer cannot read at one sitting: one noun each, kept small."""
    return [
        f"{module.short}: {lines} lines"
        for module in known.values()
        if (lines := len(module.path.read_text(encoding="utf-8").splitlines())) > MODULE_LINES_MAX
    ]


def test_the_core_imports_no_discord() -> None:
    assert discord_in_core(modules()) == []


def test_only_the_entry_point_imports_the_client() -> None:
    assert client_importers(modules()) == []


def test_no_import_cycle() -> None:
    assert import_cycles(modules()) == []


def test_only_the_store_speaks_sql() -> None:
    assert sql_outside_the_store(modules()) == []


def test_no_module_is_over_the_line_limit() -> None:
    assert too_long(modules()) == []


# -- the rules catch what they are for ----------------------------------------------------------


def plant(tmp_path: Path, files: dict[str, str]) -> dict[str, Module]:
    """A small package laid out like reviewbot's, to hold each rule against a violation."""
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return modules(tmp_path)


CLEAN = {
    "__init__.py": '"""The package."""\n__version__ = "0"\n',
    "review.py": "from .errors import UserError\n",
    "errors.py": "class UserError(Exception): ...\n",
    "store/__init__.py": "from .reviews import ReviewStore\n",
    "store/reviews.py": (
        "from ..review import UserError\nfrom .schema import TABLES\n"
        "SQL = 'SELECT id FROM reviews'\n"
    ),
    "store/schema.py": "TABLES = 'CREATE TABLE reviews (id)'\n",
    "app.py": "import discord\nfrom .store import ReviewStore\n",
    "publishing/__init__.py": "",
    "publishing/form.py": "from ..app import App\nfrom . import guards\n",
    "publishing/guards.py": "from ..app import App\n",
    "publishing/preview.py": "from .form import x\nfrom .publish import y\n",
    "publishing/publish.py": "from .guards import z\n",
    "bot.py": "from .publishing.preview import DraftButton\nfrom . import __version__\n",
    "cli.py": "def main():\n    from .bot import run_bot\n",
    "__main__.py": "from .cli import main\n",
}


def test_a_clean_layout_passes_every_rule(tmp_path: Path) -> None:
    known = plant(tmp_path, CLEAN)
    assert discord_in_core(known) == []
    assert client_importers(known) == []
    assert import_cycles(known) == []
    assert sql_outside_the_store(known) == []
    assert too_long(known) == []


def test_discord_in_the_core_is_caught_even_for_type_checking(tmp_path: Path) -> None:
    review = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from discord import Embed\n"
    assert discord_in_core(plant(tmp_path, {**CLEAN, "review.py": review})) == [
        "review:3 imports discord"
    ]


def test_the_core_importing_the_edge_is_caught(tmp_path: Path) -> None:
    schema = "def f():\n    from ..app import App\n"
    assert discord_in_core(plant(tmp_path, {**CLEAN, "store/schema.py": schema})) == [
        "store.schema:2 imports app"
    ]


def test_a_handler_importing_the_client_is_caught(tmp_path: Path) -> None:
    guards = (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..bot import ReviewBot\n"
    )
    assert client_importers(plant(tmp_path, {**CLEAN, "publishing/guards.py": guards})) == [
        "publishing.guards:3 imports bot"
    ]


def test_a_cycle_through_a_function_level_import_is_caught(tmp_path: Path) -> None:
    publish = "from .guards import z\ndef later():\n    from . import preview\n"
    found = import_cycles(plant(tmp_path, {**CLEAN, "publishing/publish.py": publish}))
    assert found == [
        "publishing.preview:2 → publishing.publish; publishing.publish:3 → publishing.preview"
    ]


def test_a_cycle_through_a_package_init_is_caught(tmp_path: Path) -> None:
    # `from .store import X` runs store/__init__, which imports reviews, which imports app.
    reviews = "from ..app import Hook\n"
    found = import_cycles(plant(tmp_path, {**CLEAN, "store/reviews.py": reviews}))
    assert found == ["app:2 → store; store:1 → store.reviews; store.reviews:1 → app"]


def test_sql_outside_the_store_is_caught(tmp_path: Path) -> None:
    form = "def f(db):\n    return db.execute('''UPDATE drafts\n  SET title = ?''')\n"
    assert sql_outside_the_store(plant(tmp_path, {**CLEAN, "publishing/form.py": form})) == [
        "publishing.form:2 'UPDATE drafts\\n  SET title = ?'"
    ]


def test_a_module_over_the_line_limit_is_caught(tmp_path: Path) -> None:
    known = plant(tmp_path, {**CLEAN, "views.py": "x = 1\n" * (MODULE_LINES_MAX + 1)})
    assert too_long(known) == [f"views: {MODULE_LINES_MAX + 1} lines"]
    known = plant(tmp_path, {**CLEAN, "views.py": "x = 1\n" * MODULE_LINES_MAX})
    assert too_long(known) == []
