"""engine.values: the one check of what a case may store (the sandbox calls it too), and the total encoder."""
import json
from datetime import date

import pytest

from api.encoding import json_bytes
from engine.domain import InvalidDataError
from engine.values import check_json_value


def test_a_deep_value_is_refused_without_recursing_into_it():
    value: list = []
    for _ in range(100_000):
        value = [value]
    with pytest.raises(InvalidDataError) as refused:
        check_json_value({"x": value}, path="data")
    assert refused.value.details[0]["field"].startswith("data.x[0]")


def test_dates_a_script_computed_and_ordinary_values_pass():
    check_json_value({"served_on": date(2026, 3, 2), "fine": 200, "ratio": 0.5, "tags": ("a", "b"), "ok": None})


def test_every_problem_is_named_by_its_path():
    with pytest.raises(InvalidDataError) as refused:
        check_json_value({"a": float("inf"), "b": {"c": "x\x00"}, "d": [object()]}, path="payload")
    assert sorted(d["field"] for d in refused.value.details) == ["payload.a", "payload.b.c", "payload.d[0]"]


def test_the_response_encoder_is_total():
    body = json.loads(json_bytes({"nan": float("nan"), "text": "a\ud800b", "\udfff": 10 ** 5000, "ok": [1, "二"]}))
    assert body == {"nan": None, "text": "a\\ud800b", "\\udfff": None, "ok": [1, "二"]}
