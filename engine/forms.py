"""Task forms declared with camunda:formData, and validation of what a user submits against them."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from engine.domain import InvalidDataError

FIELD_TYPES = ("string", "long", "boolean", "date", "enum")
_TRUE = {"true", "on", "yes", "1"}
_FALSE = {"false", "off", "no", "0", ""}


@dataclass(frozen=True)
class FormField:
    id: str
    type: str
    label: str = ""
    required: bool = False
    readonly: bool = False
    default: Any = None
    options: tuple[tuple[str, str], ...] = ()  # (id, label) of an enum
    constraints: dict[str, str] = field(default_factory=dict)  # min, max, minlength, maxlength
    labels: dict[str, str] = field(default_factory=dict)  # locale -> the label in that language (zh_Hans ...)
    option_labels: dict[str, dict[str, str]] = field(default_factory=dict)  # locale -> enum value id -> label

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "label": self.label or self.id,
                "required": self.required, "readonly": self.readonly, "default": self.default,
                "options": [{"id": i, "label": n, "labels": {locale: names[i] for locale, names in
                                                             self.option_labels.items() if i in names}}
                            for i, n in self.options],
                "constraints": dict(self.constraints), "labels": dict(self.labels)}


def coerce(form_field: FormField, value: Any) -> Any:
    """Turn a submitted value into the field's type, or raise ValueError with a plain message."""
    kind = form_field.type
    if kind == "long":
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError("must be a whole number")
        try:
            return int(str(value).strip()) if not isinstance(value, int) else value
        except ValueError:
            raise ValueError("must be a whole number") from None
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError("must be true or false")
    if kind == "date":
        try:
            return date.fromisoformat(str(value).strip()[:10]).isoformat()
        except ValueError:
            raise ValueError("must be a date like 2026-03-31") from None
    if kind == "enum":
        allowed = [option_id for option_id, _ in form_field.options]
        if str(value) not in allowed:
            raise ValueError(f"must be one of: {', '.join(allowed)}")
        return str(value)
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ValueError("must be text")
    return str(value)


def _check_constraints(form_field: FormField, value: Any) -> None:
    limits = form_field.constraints
    if isinstance(value, str) and form_field.type == "string":
        if "minlength" in limits and len(value) < int(limits["minlength"]):
            raise ValueError(f"must be at least {limits['minlength']} characters")
        if "maxlength" in limits and len(value) > int(limits["maxlength"]):
            raise ValueError(f"must be at most {limits['maxlength']} characters")
    if isinstance(value, int) and not isinstance(value, bool):
        if "min" in limits and value < int(limits["min"]):
            raise ValueError(f"must be at least {limits['min']}")
        if "max" in limits and value > int(limits["max"]):
            raise ValueError(f"must be at most {limits['max']}")


def validate(fields: list[FormField], data: dict[str, Any]) -> dict[str, Any]:
    """Return the submitted data typed and completed with defaults; raise InvalidDataError per field."""
    known = {f.id: f for f in fields}
    errors = {name: "is not a field of this form" for name in data if name not in known}
    cleaned: dict[str, Any] = {}
    for form_field in fields:
        raw = data.get(form_field.id)
        if raw is None or (isinstance(raw, str) and not raw.strip() and form_field.type != "boolean"):
            if form_field.default is not None and form_field.default != "":
                raw = form_field.default
            elif form_field.required:
                errors[form_field.id] = "is required"
                continue
            else:
                continue
        try:
            value = coerce(form_field, raw)
            _check_constraints(form_field, value)
        except ValueError as exc:
            errors[form_field.id] = str(exc)
            continue
        cleaned[form_field.id] = value
    if errors:
        raise InvalidDataError.for_fields(errors)
    return cleaned
