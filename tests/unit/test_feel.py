"""FEEL in DMN cells, translated into the procedure language, and refused with the reason when it cannot be."""
import pytest

from engine import expressions
from engine.feel import FeelError, expression, literals, unary_tests


@pytest.mark.parametrize("feel, python", [
    ('"noise"', "dmninputexpr == 'noise'"),
    ("0", "dmninputexpr == 0"),
    ("-5", "dmninputexpr == -5"),
    ("2.5", "dmninputexpr == 2.5"),
    ("true", "dmninputexpr == True"),
    ("null", "dmninputexpr == None"),
    (">= 2", "dmninputexpr is not None and dmninputexpr >= 2"),
    ("< limit * 2", "dmninputexpr is not None and dmninputexpr < limit * 2"),
    ("[1..20]", "dmninputexpr is not None and 1 <= dmninputexpr <= 20"),
    ("(250..1000]", "dmninputexpr is not None and 250 < dmninputexpr <= 1000"),
    ("]250..1000]", "dmninputexpr is not None and 250 < dmninputexpr <= 1000"),
    ("[1..20)", "dmninputexpr is not None and 1 <= dmninputexpr < 20"),
    ("[1..20[", "dmninputexpr is not None and 1 <= dmninputexpr < 20"),
    ('"food","drink"', "(dmninputexpr == 'food') or (dmninputexpr == 'drink')"),
    ('"a,b", "c"', "(dmninputexpr == 'a,b') or (dmninputexpr == 'c')"),
    ('not("food")', "not (dmninputexpr == 'food')"),
    ("not([1..5], > 10)", "not ((dmninputexpr is not None and 1 <= dmninputexpr <= 5) or "
                          "(dmninputexpr is not None and dmninputexpr > 10))"),
    ('date("2026-03-31")', "dmninputexpr == '2026-03-31'"),
    ('[date("2026-01-01")..date("2026-06-30")]', "dmninputexpr is not None and '2026-01-01' <= dmninputexpr <= "
                                                 "'2026-06-30'"),
    ('duration("P7D")', "dmninputexpr == 'P7D'"),
    ('date and time("2026-03-31T09:30:00")', "dmninputexpr == '2026-03-31T09:30:00'"),
    ("? > 5", "dmninputexpr > 5"),
    ('cellInput != "x"', "dmninputexpr != 'x'"),
    ('"say \\"hi\\""', "dmninputexpr == 'say \"hi\"'"),
])
def test_unary_tests_become_python(feel, python):
    translated = unary_tests(feel)
    assert translated is not None and translated.python == python
    assert expressions.check(translated.python) is None


@pytest.mark.parametrize("feel", ["-", "", "  "])
def test_a_dash_or_an_empty_cell_matches_anything(feel):
    assert unary_tests(feel) is None


def test_the_input_variable_of_a_column_names_its_value():
    assert unary_tests('season != "Fall"', "season").python == "dmninputexpr != 'Fall'"
    assert unary_tests("season", "other").names == {"season"}


@pytest.mark.parametrize("feel, python, names", [
    ('"warning"', "'warning'", set()),
    ("200", "200", set()),
    ("fine * 2 + 1", "fine * 2 + 1", {"fine"}),
    ("applicant.age >= 18", "applicant['age'] >= 18", {"applicant"}),
    ('if amount > 1000 then "high" else "low"', "'high' if amount > 1000 else 'low'", {"amount"}),
    ("class", "execution['class']", {"class"}),
    ('duration("P7D")', "'P7D'", set()),
    ("null", "None", set()),
    ("a = 1 and b != 2 or c", "a == 1 and b != 2 or c", {"a", "b", "c"}),
    ("2 ** 3", "2 ** 3", set()),
])
def test_simple_expressions_become_python(feel, python, names):
    translated = expression(feel)
    assert (translated.python, set(translated.names)) == (python, names)


@pytest.mark.parametrize("feel, why", [
    ("'noise'", "FEEL strings use double quotes"),
    ('date("2026-13-01")', 'date("2026-13-01") is not a date like 2026-03-31'),
    ('duration("7 days")', "is not a duration like P7D"),
    ('< duration("P1D")', "comparing durations is not supported"),
    ("upper case(x)", "unexpected 'case'"),
    ("sum([1, 2])", "the function sum() is not supported"),
    ("[1..", "it ends too early"),
    ("[1..5}", "unexpected '}'"),
    ("1 2", "unexpected '2' after a complete expression"),
    ("for x in y return x", "'for' is not part of the FEEL"),
])
def test_untranslatable_feel_is_refused_saying_why(feel, why):
    with pytest.raises(FeelError, match=__import__("re").escape(why)):
        unary_tests(feel)


def test_output_values_are_read_as_literals():
    assert literals('"high", "medium","low"') == ["high", "medium", "low"]
    with pytest.raises(FeelError):
        literals("high")
