"""Forms of user tasks and start events: camunda:formData fields, or, for a task with only a formKey, the
variables it declares (Flowable formProperty, or the Dueflow extension property `variables` = "a,b,c")."""
from __future__ import annotations

import re
from typing import Any

from engine.bpmn.model import SourceModel
from engine.bpmn.translations import field_translations
from engine.bpmn.xml import NS, camunda, properties_of
from engine.forms import FIELD_TYPES, FormField, coerce

VARIABLES_PROPERTY = "variables"
_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
# Flowable/Activiti formProperty types, as the nearest form field type
_PROPERTY_TYPES = {"string": "string", "long": "long", "boolean": "boolean", "date": "date", "enum": "enum",
                   "double": "string", "int": "long", "integer": "long"}


def read_form(model: SourceModel, file: str, node: Any) -> list[FormField]:
    """The fields a user task or start event accepts; declared variables when it has no camunda:formData."""
    fields = _form_data(model, file, node)
    if node.xpath("./bpmn:extensionElements/camunda:formData", namespaces=NS):
        return fields
    fields = _form_properties(model, file, node) + _declared(model, file, node)
    if not fields and camunda(node, "formKey") and node.tag.endswith("userTask"):
        model.problem("the task names a form (formKey) Dueflow cannot show and declares no variables: it completes "
                      "with no data; declare what it sets in camunda:formData, Flowable formProperty, or the "
                      f"extension property '{VARIABLES_PROPERTY}' (e.g. \"approved,comment\")", file, node,
                      rule="FORM", severity="warning")
    return fields


def _field(model, file, node, xml_field, field_id: str, kind: str, **given) -> FormField | None:
    where = f"form field '{field_id}'"
    xml_field = node if xml_field is None else xml_field  # a declared variable is written on the task itself
    if not _IDENTIFIER.match(field_id):
        model.problem(f"{where}: the id must be a name like 'served_on'", file, xml_field, node.get("id"),
                      rule="FORM")
        return None
    if kind not in FIELD_TYPES:
        model.problem(f"{where}: type '{kind}' is not one of {', '.join(FIELD_TYPES)}", file, xml_field,
                      node.get("id"), rule="FORM")
        return None
    form_field = FormField(id=field_id, type=kind, **given)
    if kind == "enum" and not form_field.options:
        model.problem(f"{where}: an enum needs at least one value", file, xml_field, node.get("id"), rule="FORM")
    default = xml_field.get("defaultValue")
    if default not in (None, ""):
        try:
            default = coerce(form_field, default)
        except ValueError as exc:
            model.problem(f"{where}: default value '{default}' {exc}", file, xml_field, node.get("id"),
                          rule="FORM")
            default = None
        form_field = FormField(**{**form_field.__dict__, "default": default})
    return form_field


def _form_data(model, file, node) -> list[FormField]:
    fields = []
    for xml_field in node.xpath("./bpmn:extensionElements/camunda:formData/camunda:formField", namespaces=NS):
        field_id = xml_field.get("id") or ""
        constraints = {c.get("name"): c.get("config") or "" for c in
                       xml_field.xpath("./camunda:validation/camunda:constraint", namespaces=NS)}
        options = tuple((v.get("id"), v.get("name") or v.get("id")) for v in
                        xml_field.xpath("./camunda:value", namespaces=NS))
        labels, option_labels = field_translations(xml_field)
        made = _field(model, file, node, xml_field, field_id, xml_field.get("type") or "string",
                      label=xml_field.get("label") or field_id, required="required" in constraints,
                      readonly="readonly" in constraints, options=options,
                      constraints={k: v for k, v in constraints.items() if k not in ("required", "readonly")},
                      labels=labels, option_labels=option_labels)
        if made is not None:
            fields.append(made)
    return fields


def _form_properties(model, file, node) -> list[FormField]:
    fields = []
    for prop in node.xpath("./bpmn:extensionElements/flowable:formProperty | "
                           "./bpmn:extensionElements/activiti:formProperty", namespaces=NS):
        field_id = prop.get("id") or ""
        kind = _PROPERTY_TYPES.get((prop.get("type") or "string").lower(), "string")
        options = tuple((v.get("id"), v.get("name") or v.get("id")) for v in prop if v.get("id"))
        made = _field(model, file, node, prop, field_id, kind, label=prop.get("name") or field_id,
                      required=(prop.get("required") or "").lower() == "true",
                      readonly=(prop.get("writable") or "true").lower() == "false", options=options)
        if made is not None:
            fields.append(made)
    return fields


def _declared(model, file, node) -> list[FormField]:
    names = [n.strip() for n in properties_of(node).get(VARIABLES_PROPERTY, "").split(",") if n.strip()]
    fields = []
    for name in names:
        made = _field(model, file, node, None, name, "string", label=name)
        if made is not None:
            fields.append(made)
    return fields
