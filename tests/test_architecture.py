"""The folders show the data flow, and imports run one way, downward (docs/ARCHITECTURE.md):

    cli → adopt, export → session → apply, planner → peertube, live, report, store, manifest,
    render → plan → state, errors, fields, marker, options (and the other small leaves)

Read from the source (every import statement, those inside functions and under
TYPE_CHECKING included), so a lazy import cannot hide a cycle; and every module imports
on its own in a fresh interpreter, so none depends on another having been imported first."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ptsync"
LAYERS = (  # top first; a unit may import units of lower layers, and its own layer acyclically
    ("ptsync.__main__", "ptsync.cli"),
    ("ptsync.adopt", "ptsync.export"),
    ("ptsync.session",),
    ("ptsync.apply", "ptsync.planner"),
    (
        "ptsync.peertube",
        "ptsync.live",
        "ptsync.report",
        "ptsync.store",
        "ptsync.manifest",
        "ptsync.render",
        "ptsync.testing",
    ),
    ("ptsync.plan",),
    (
        "ptsync.state",
        "ptsync.errors",
        "ptsync.fields",
        "ptsync.marker",
        "ptsync.options",
        "ptsync.sourceref",
        "ptsync.redact",
        "ptsync.entry",
        "ptsync.chapters",
        "ptsync.passwords",
        "ptsync.source_credentials",
        "ptsync.cachefiles",
        "ptsync.clock",
    ),
)
LAYER = {unit: depth for depth, units in enumerate(LAYERS) for unit in units}


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _target(name: str) -> str | None:
    """The module ``name`` is, or the module it is an attribute of."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:  # a submodule when it is one, else the module itself
                found.add(f"{node.module}.{alias.name}")
    targets = {_target(n) for n in found if n.split(".")[0] == "ptsync"}
    return {t for t in targets if t is not None and t != "ptsync"}  # the facade: __version__


def _unit(module: str) -> str:
    return ".".join(module.split(".")[:2])


GRAPH = {name: _imports(path) - {name} for name, path in MODULES.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_every_unit_has_a_layer():
    assert {_unit(m) for m in MODULES} - {"ptsync"} == set(LAYER)


def test_imports_run_downward():
    upward = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if module != "ptsync"
        for target in targets
        if LAYER[_unit(target)] < LAYER[_unit(module)]
    )
    assert upward == []


def test_no_import_cycle_between_folders_or_modules():
    units: dict[str, set[str]] = defaultdict(set)
    for module, targets in GRAPH.items():
        units[_unit(module)].update(_unit(t) for t in targets if _unit(t) != _unit(module))
    assert _cycle(units) is None
    assert _cycle(GRAPH) is None


def test_live_only_fetches_and_plan_stays_pure():
    """live/ never plans (no planning module imports), plan/ does no I/O (no HTTP, no files)."""
    for module, targets in GRAPH.items():
        if module.startswith("ptsync.live"):
            assert not {t for t in targets if t.startswith(("ptsync.planner", "ptsync.plan."))} - {
                "ptsync.plan.resources"  # the live playlist and channel value types
            }, module
        if module == "ptsync.plan" or module.startswith("ptsync.plan."):
            assert not {_unit(t) for t in targets} & {"ptsync.peertube", "ptsync.live"}, module
            text = MODULES[module].read_text(encoding="utf-8")
            assert "import requests" not in text and "open(" not in text, module


def test_every_module_imports_on_its_own():
    """Each module in a process that has imported no other ptsync module: one that only works
    after another was imported first fails here. The processes are forked from one that has
    the third-party libraries loaded already, so the check costs ptsync's imports only.

    Importing ``a.b`` on its own imports its package ``a`` first; when ``a``'s own import (in
    its own process, checked just before: names are sorted) already loaded ``a.b``, the two
    processes would run the very same imports, so ``a.b`` gets no second one. A package whose
    import failed proves nothing: its modules are each imported on their own."""
    names = sorted(m for m in MODULES if m != "ptsync.__main__")
    done = subprocess.run(
        [sys.executable, "-c", _FORKING, *names], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[:-1] == [], "\n".join(lines)
    forked, same = (int(n) for n in lines[-1].split())
    assert forked + same == len(names), lines[-1]  # each module, in one way or the other


_FORKING = """
import importlib, os, sys, traceback
for library in ("pydantic", "requests", "typer", "rich", "ruamel.yaml", "yaml", "werkzeug"):
    importlib.import_module(library)
assert not [m for m in sys.modules if m == "ptsync" or m.startswith("ptsync.")]
loaded, forked, same = {}, 0, 0
for name in sys.argv[1:]:
    if name in loaded.get(name.rpartition(".")[0], ()):
        same += 1  # its package's own process imported it: the same imports
        continue
    forked += 1
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(reader)
        try:
            importlib.import_module(name)
        except BaseException:
            print(name, traceback.format_exc(limit=-3).replace(chr(10), " | "), flush=True)
            os._exit(1)
        with os.fdopen(writer, "w") as out:
            out.write(" ".join(m for m in sys.modules if m.startswith("ptsync.")))
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as answer:
        imported = answer.read().split()
    if os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0:
        loaded[name] = set(imported)
print(forked, same)
"""
