"""Form data is validated against camunda:formData with one error per field."""
import pytest

from engine.domain import InvalidDataError
from engine.forms import FormField, validate

FORM = [
    FormField("findings", "string", required=True, constraints={"maxlength": "20"}),
    FormField("severity", "enum", options=(("minor", "Minor"), ("serious", "Serious")), default="minor"),
    FormField("prior_offences", "long", default=0, constraints={"min": "0"}),
    FormField("inspected_on", "date"),
    FormField("fine_due", "boolean", required=True),
]


def test_valid_data_is_typed_and_defaults_fill_in():
    assert validate(FORM, {"findings": "loud music", "fine_due": "true", "prior_offences": "2",
                           "inspected_on": "2026-03-02"}) == {
        "findings": "loud music", "severity": "minor", "prior_offences": 2, "inspected_on": "2026-03-02",
        "fine_due": True}


def test_every_bad_field_is_named_once():
    with pytest.raises(InvalidDataError) as caught:
        validate(FORM, {"findings": "x" * 21, "severity": "huge", "prior_offences": "-1", "inspected_on": "tomorrow",
                        "smuggled": 1})
    fields = {d["field"]: d["message"] for d in caught.value.details}
    assert fields == {
        "findings": "must be at most 20 characters",
        "severity": "must be one of: minor, serious",
        "prior_offences": "must be at least 0",
        "inspected_on": "must be a date like 2026-03-31",
        "fine_due": "is required",
        "smuggled": "is not a field of this form",
    }


def test_false_is_a_value_for_a_required_boolean():
    assert validate(FORM, {"findings": "ok", "fine_due": False})["fine_due"] is False


def test_a_number_field_refuses_text_and_fractions():
    with pytest.raises(InvalidDataError, match="prior_offences"):
        validate(FORM, {"findings": "ok", "fine_due": True, "prior_offences": 1.5})
