"""The expression language: Camunda syntax translated, anything unsafe refused."""
import pytest

from engine import expressions
from engine.expressions import ExpressionError, translate_juel, translate_timer


@pytest.mark.parametrize("juel, python", [
    ("${approved}", "approved"),
    ("#{approved}", "approved"),
    ("${outcome == 'violation'}", "outcome == 'violation'"),
    ("${corrected == true}", "corrected == True"),
    ("${!corrected}", "not corrected"),
    ("${fine > 0 && prior >= 2 || waived}", "fine > 0 and prior >= 2 or waived"),
    ("${party.type eq \"organisation\"}", "party['type'] == 'organisation'"),
    ("${(a || b) && !c}", "(a or b) and not c"),
    ("${x != null}", "x != None"),
    ("${!a == b}", "(not a) == b"),
    ("${a < b == c}", "(a < b) == c"),
    ("${a - (b - c)}", "a - (b - c)"),
    ("${fine div 2 gt 100 and x mod 2 eq 0}", "fine / 2 > 100 and x % 2 == 0"),
    ("${urgent ? 3 : 7}", "3 if urgent else 7"),
    ("${items[0] == 'x'}", "items[0] == 'x'"),
    # variables Python cannot name are read from the case's data by name
    ("${continue}", "execution['continue']"),
    ("${class == 'A' && from > 2}", "execution['class'] == 'A' and execution['from'] > 2"),
    ("${type}", "execution['type']"),
    ("${execution.getVariable(\"fine\") > 0}", "execution.get('fine') > 0"),
    ("${execution.hasVariable('fine')}", "'fine' in execution"),
    # methods with a safe equivalent
    ("${outcome.equals('ok')}", "outcome == 'ok'"),
    ("${!list.isEmpty()}", "not len(list) == 0"),
    ("${items.size() > 2}", "len(items) > 2"),
    ("${name.length() > 2}", "len(name) > 2"),
    ("${tags.contains('urgent')}", "'urgent' in tags"),
    ("${name.startsWith('Z') || name.endsWith('x')}", "name.startswith('Z') or name.endswith('x')"),
    ("${name.trim().toLowerCase().equalsIgnoreCase('a')}", "name.strip().lower().lower() == 'a'.lower()"),
    ("${empty notes}", "notes is None or notes == '' or notes == [] or notes == {}"),
])
def test_camunda_conditions_become_python(juel, python):
    assert translate_juel(juel) == python


@pytest.mark.parametrize("juel, why", [
    ("${a.b()}", "the method .b() with 0 argument(s) has no safe equivalent"),
    ("${x + }", "it ends too early"),
    ("${execution.setVariable('x', 1)}", "execution.setVariable() has no safe equivalent"),
    ("${foo(1)}", "calling a function is not part of the translatable subset"),
    ("${fn:upper(x)}", "the function prefix 'fn:' is not part"),
    ("${}", "it is empty"),
    ("${a ~ b}", "unexpected '~ b'"),
    ("${a b}", "unexpected 'b' after a complete expression"),
    ("${x.__class__}", "unsafe expression"),
    ("Hello ${name}", "text around a ${...} expression"),
    ("${a} && ${b}", "unexpected '} && ${b'"),
])
def test_untranslatable_conditions_are_refused_saying_why(juel, why):
    with pytest.raises(ExpressionError) as caught:
        expressions.translate_condition(juel)
    message = str(caught.value)
    assert message.startswith("cannot translate") and why in message and "syntax error" not in message


@pytest.mark.parametrize("juel, data, expected", [
    ("${class == 'A'}", {"class": "A"}, True),
    ("${continue && from > 2}", {"continue": True, "from": 3}, True),
    ("${execution.getVariable('missing') == null}", {}, True),
    ("${tags.contains('urgent') && !tags.isEmpty()}", {"tags": ["urgent"]}, True),
    ("${name.equals('Zhang') && name.size() == 5}", {"name": "Zhang"}, True),
])
def test_translated_conditions_read_the_case_data(juel, data, expected):
    from engine.workflow.environment import SafeEnvironment
    assert SafeEnvironment({}).evaluate(translate_juel(juel), dict(data)) is expected


@pytest.mark.parametrize("text, python", [
    ("P7D", "'P7D'"), ("PT36H", "'PT36H'"), ("P1Y2M3DT4H", "'P1Y2M3DT4H'"), ("2026-05-01", "'2026-05-01'"),
    ("2026-05-01T09:30:00Z", "'2026-05-01T09:30:00Z'"), ("R3/PT10M", "'R3/PT10M'"),
    ("\"P7D\"", "\"P7D\""), ("'P' + str(remedy_days) + 'D'", "'P' + str(remedy_days) + 'D'"),
])
def test_timer_literals_are_quoted_and_python_is_kept(text, python):
    assert translate_timer(text) == python


@pytest.mark.parametrize("source, mode", [
    ("__import__('os').system('id')", "eval"),
    ("import os", "exec"),
    ("from os import system", "exec"),
    ("().__class__.__base__.__subclasses__()", "eval"),
    ("x.__dict__", "eval"),
    ("getattr(x, 'y')", "eval"),
    ("eval('1')", "eval"),
    ("'{0.__class__}'.format(x)", "eval"),
    ("(lambda: 1)()", "eval"),
    ("while True:\n    pass", "exec"),
    ("def f():\n    return 1", "exec"),
    ("open('/etc/passwd')", "eval"),
])
def test_unsafe_expressions_are_refused(source, mode):
    assert expressions.check(source, mode) is not None


def test_safe_expressions_pass_and_evaluate_with_whitelisted_builtins_only():
    assert expressions.check("max(fine, 200) if severity == 'serious' else 0") is None
    assert expressions.safe_eval("max(fine, 200)", {"fine": 100}) == 200
    with pytest.raises(ExpressionError, match="'print' is not allowed"):
        expressions.safe_eval("print('x')", {})


def test_a_broken_expression_names_the_problem():
    assert "syntax error" in expressions.check("fine >")
