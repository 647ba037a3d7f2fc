"""The import contract (`.importlinter`): the write paths never import the read model, tasks call services and
never the reverse, no cycles inside an app. `make lint` runs `lint-imports`; these tests run it too and check that
the contract's list of read-model modules still names every module of reporting/ outside reporting/assessments/."""

import configparser
import pkgutil
import subprocess
import sys
from pathlib import Path

import grimp

import reporting

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".importlinter"
# Modules of reporting/ that are neither side: the app's configuration, and the self-assessment cycle (write side).
NOT_READ_MODEL = {"reporting.apps", "reporting.assessments", "reporting.supervision"}  # the write paths of reporting
# Django registers a model only when models.py is imported, so reporting.models imports the proxies that
# reporting.triggers declares (which read the tally tables from the models): the one cycle allowed.
# A models module that registers the models kept by its triggers (defined beside it) at its end, so that Django
# loads them with the app: the only cycles allowed, and the same ones .importlinter ignores.
ALLOWED_CYCLE_EDGES = {
    ("reporting.models", "reporting.triggers"),
    ("reporting.assessments.models", "reporting.assessments.counts"),
}


def _contract(name: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser()
    parser.read(CONFIG, encoding="utf-8")
    return parser[f"importlinter:contract:{name}"]


def test_lint_imports_passes():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--config", str(CONFIG), "--no-cache"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def test_every_read_model_module_is_forbidden_to_the_write_paths():
    # given the modules directly under reporting/
    modules = {f"reporting.{m.name}" for m in pkgutil.iter_modules(reporting.__path__)}
    read_model = modules - NOT_READ_MODEL
    # when the contract lists what the write paths may not import
    forbidden = set(_contract("write-paths-never-read-the-read-model")["forbidden_modules"].split())
    # then a new module of the read model is listed too (or belongs under reporting/assessments/)
    assert read_model - forbidden == set(), "add these to .importlinter's read model, or move them to assessments/"
    assert {"reporting.rollup", "reporting.tallies", "reporting.selectors", "reporting.tasks"} <= forbidden


def _import_cycles(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []
    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root) & modules)))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, children = work[-1]
            child = next(children, None)
            if child is not None:
                if (module, child) in ALLOWED_CYCLE_EDGES:
                    continue
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child) & modules))))
                elif child in on_stack:
                    low[module] = min(low[module], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[module])
            if low[module] == index[module]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == module:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def test_no_import_cycle_between_modules_across_the_apps():
    # given every module of the portal, function-level imports included (grimp reads them all), migrations aside
    graph = grimp.build_graph("reform_portal", "enterprises", "measures", "reporting", cache_dir=None)
    modules = {m for m in graph.modules if ".migrations" not in m}
    # then no module reaches itself through its imports (acyclic_siblings checks packages within one app only)
    assert _import_cycles(graph, modules) == []


def test_the_cycle_check_finds_a_cycle():
    # given a graph where a service imports a task that imports the service (as reminders once did)
    graph = grimp.ImportGraph()
    for module in ("app.services", "app.tasks", "app.views"):
        graph.add_module(module)
    graph.add_import(importer="app.views", imported="app.services")
    graph.add_import(importer="app.services", imported="app.tasks")
    graph.add_import(importer="app.tasks", imported="app.services")
    # then the check reports that cycle, and only it
    assert _import_cycles(graph, set(graph.modules)) == [["app.services", "app.tasks"]]
