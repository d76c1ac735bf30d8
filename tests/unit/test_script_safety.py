"""The restricted environment refuses unsafe code at run time too, and survives a save and load."""
from datetime import datetime, timezone

import pytest

from engine.domain import UnsafeExpressionError
from engine.workflow import SCRIPT_ENGINE, CaseRun, parse_procedure
from tests.builders import files_of

NOW = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)


@pytest.mark.parametrize("source", ["__import__('os').system('true')", "().__class__.__base__.__subclasses__()",
                                    "open('/etc/passwd').read()"])
def test_unsafe_expressions_are_refused_when_evaluated(source):
    with pytest.raises(UnsafeExpressionError):
        SCRIPT_ENGINE.environment.evaluate(source, {})


@pytest.mark.parametrize("script", ["import os", "x = ().__class__", "__builtins__['open']('/etc/passwd')"])
def test_unsafe_scripts_are_refused_when_executed(script):
    with pytest.raises(UnsafeExpressionError):
        SCRIPT_ENGINE.environment.execute(script, {})


def test_builtins_smuggled_in_task_data_do_not_reach_the_interpreter():
    data = {"__builtins__": __builtins__, "fine": 5}
    assert SCRIPT_ENGINE.environment.evaluate("fine * 2", dict(data)) == 10
    with pytest.raises(NameError):
        SCRIPT_ENGINE.environment.evaluate("hash(fine)", dict(data))


def test_the_safe_engine_is_set_again_after_every_load():
    procedure = parse_procedure(files_of("notice.bpmn", "fine_amount.dmn"))
    run, _ = CaseRun.start(procedure, {}, NOW)
    restored = CaseRun.load(procedure, run.dump())
    assert restored.workflow.script_engine is SCRIPT_ENGINE
    with pytest.raises(Exception) as caught:
        restored.workflow.script_engine.evaluate(restored.workflow.task_tree, "__import__('os')")
    assert isinstance(caught.value.__context__, UnsafeExpressionError)
