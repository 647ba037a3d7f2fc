"""The import contract (`.importlinter`): the write paths never import the read model, tasks call services and
never the reverse, no cycles inside an app. `make lint` runs `lint-imports`; these tests run it too and check that
the contract's list of read-model modules still names every module of reporting/ outside reporting/assessments/."""

import configparser
import pkgutil
import subprocess
import sys
from pathlib import Path

import reporting

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".importlinter"
# Modules of reporting/ that are neither side: the app's configuration, and the self-assessment cycle (write side).
NOT_READ_MODEL = {"reporting.apps", "reporting.assessments"}


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
