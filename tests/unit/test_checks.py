"""Checks that keep the engine's settings in one place: types check, only engine.bootstrap reads the process
environment, and importing the engine changes nothing in SpiffWorkflow (the sandbox's bootstrap does that)."""
import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "engine"


def test_mypy_finds_no_errors_in_engine_and_api():
    """The configuration is [tool.mypy] in pyproject.toml; the output below is mypy's own, file:line: error."""
    mypy = Path(sys.executable).parent / "mypy"
    result = subprocess.run([str(mypy)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, "\n" + result.stdout + result.stderr


def _environment_reads(path: Path) -> list[str]:
    """Where a module reads the process environment: os.environ, os.getenv, os.environb, os.putenv."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        name = None
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "os":
            name = node.attr
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            name = next((a.name for a in node.names if a.name in ("environ", "environb", "getenv", "putenv")), None)
        if name in ("environ", "environb", "getenv", "putenv", "unsetenv"):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: os.{name}")
    return found


def test_only_engine_bootstrap_reads_the_process_environment():
    found = [hit for path in sorted(ENGINE.rglob("*.py")) if path != ENGINE / "bootstrap.py"
             for hit in _environment_reads(path)]
    assert found == [], "settings come from engine.bootstrap (Settings), not the environment:\n" + "\n".join(found)
    assert _environment_reads(ENGINE / "bootstrap.py")  # the check does see a read where there is one


_IMPORT_EVERYTHING = """
import datetime, importlib, json, pkgutil
import engine
names = sorted(m.name for m in pkgutil.walk_packages(engine.__path__, "engine."))
for name in names:
    importlib.import_module(name)
from SpiffWorkflow.bpmn.specs.event_definitions import timer
from engine.workflow.environment import SCRIPT_ENGINE
print(json.dumps({"modules": names, "timer_datetime_untouched": timer.datetime is datetime.datetime,
                  "helpers": sorted(SCRIPT_ENGINE.environment.globals)}))
"""


def test_importing_the_engine_registers_no_helper_and_patches_nothing():
    """Every engine module imported in a fresh interpreter: SpiffWorkflow's timers still read the real clock
    and the script engine holds no helper; the clock and the helpers are installed by whoever runs steps."""
    result = subprocess.run([sys.executable, "-c", _IMPORT_EVERYTHING], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"engine.bootstrap", "engine.sandbox_main", "engine.workflow.environment"} <= set(seen["modules"])
    assert seen["timer_datetime_untouched"]
    assert seen["helpers"] == []


def test_the_sandbox_counts_periods_on_the_runtimes_jurisdiction(tmp_path, monkeypatch):
    """Runtime.jurisdiction reaches the sandbox, whose period helpers count on that calendar unless told another."""
    from engine import calendar
    from engine.services.runtime import Runtime
    from engine.store import Store

    rt = Runtime(Store(f"sqlite:///{tmp_path / 'j.db'}"), jurisdiction="nation")
    assert rt.sandbox.jurisdiction == "nation"
    assert Runtime(rt.store).sandbox.jurisdiction == "cn"
    holidays = {"holidays": [{"name": "spring", "from": "2030-03-05", "to": "2030-03-07"}]}
    (tmp_path / "nation.json").write_text(json.dumps(holidays))
    (tmp_path / "cn.json").write_text(json.dumps({}))
    monkeypatch.setattr(calendar, "CALENDAR_DIR", tmp_path)
    calendar.load_calendar.cache_clear()
    try:
        helpers = calendar.bpmn_helpers("nation")
        assert helpers["working_days_after"]("2030-03-04", 2) == "2030-03-11T15:59:59+00:00"
        assert helpers["working_days_after"]("2030-03-04", 2, "cn") == "2030-03-06T15:59:59+00:00"
        assert helpers["calendar_days_after"]("2030-03-04", 1) == "2030-03-08T15:59:59+00:00"
    finally:
        calendar.load_calendar.cache_clear()
