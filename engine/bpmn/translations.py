"""Translations of a procedure, written beside the names in the BPMN as extension properties: `name_zh` on an
element, `label_zh` and `value_zh.<value id>` on a camunda:formField. The deploy checks them for completeness:
once a procedure translates anything into a language, every task, form field and enum value needs it."""
from __future__ import annotations

from typing import Any

from engine.bpmn.xml import NS, parse_xml, properties_of, tostring
from engine.domain import Problem

# The suffix written in the BPMN -> the locale of the pages (api.web.i18n.LOCALES)
LANGUAGES = {"zh": "zh_Hans"}
_NAMED_KINDS = ("userTask", "startEvent", "endEvent", "manualTask")


def element_names(properties: dict[str, str]) -> dict[str, str]:
    """An element's name per locale, from its `name_<lang>` properties."""
    return {locale: properties[f"name_{lang}"].strip() for lang, locale in LANGUAGES.items()
            if properties.get(f"name_{lang}", "").strip()}


def field_properties(xml_field: Any) -> dict[str, str]:
    """A form field's own camunda:properties (Camunda writes them with `id`, Flowable with `name`)."""
    return {(p.get("id") or p.get("name") or ""): p.get("value") or "" for p in
            xml_field.xpath("./camunda:properties/camunda:property", namespaces=NS)}


def field_translations(xml_field: Any) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """A form field's label per locale and its enum values' labels per locale."""
    props = field_properties(xml_field)
    labels = {locale: props[f"label_{lang}"].strip() for lang, locale in LANGUAGES.items()
              if props.get(f"label_{lang}", "").strip()}
    options: dict[str, dict[str, str]] = {}
    for name, value in props.items():
        prefix, _, value_id = name.partition(".")
        lang = prefix.removeprefix("value_")
        if prefix.startswith("value_") and lang in LANGUAGES and value_id and value.strip():
            options.setdefault(LANGUAGES[lang], {})[value_id] = value.strip()
    return labels, options


def check_translations(model: Any) -> None:
    """Warn, per missing text, when a procedure translates into a language but not completely."""
    locales = {locale for info in model.elements.values() for locale in element_names(info.properties)}
    locales |= {locale for fields in model.forms.values() for f in fields for locale in f.labels}
    for locale in sorted(locales):
        lang = next(code for code, name in LANGUAGES.items() if name == locale)
        for info in model.elements.values():
            if info.kind in _NAMED_KINDS and info.name and locale not in element_names(info.properties):
                model.problems.append(_missing(f"'{info.name}' has no {locale} name (property name_{lang})",
                                               info.file, info.line, info.id))
        for element_id, fields in model.forms.items():
            info = model.elements.get(element_id)
            for f in fields:
                if locale not in f.labels:
                    model.problems.append(_missing(
                        f"form field '{f.id}' has no {locale} label (property label_{lang})",
                        info.file if info else None, info.line if info else None, element_id))
                missing = [i for i, _ in f.options if i not in f.option_labels.get(locale, {})]
                if missing:
                    model.problems.append(_missing(
                        f"form field '{f.id}': enum values {', '.join(missing)} have no {locale} label "
                        f"(property value_{lang}.<value id>)", info.file if info else None,
                        info.line if info else None, element_id))


GUIDANCE_PROPERTY = "party_guidance"  # what the party reads at this element's stage (engine/services/party_guidance)


def check_party_guidance(model: Any) -> None:
    """A procedure's own words for the party come in every language of the portal: `party_guidance` (as written)
    and `party_guidance_<lang>`; one without the other, or either empty, is refused at deploy."""
    names = [GUIDANCE_PROPERTY] + [f"{GUIDANCE_PROPERTY}_{lang}" for lang in LANGUAGES]
    for info in model.elements.values():
        given = {name: info.properties[name] for name in names if name in info.properties}
        if not given:
            continue
        missing = [name for name in names if not given.get(name, "").strip()]
        if missing:
            model.problems.append(Problem(
                message=f"'{info.label}' gives party guidance without {' and '.join(missing)}: write it in every "
                        f"language ({', '.join(names)})", file=info.file, line=info.line, element_id=info.id,
                rule="PARTY_GUIDANCE", severity="error"))
        elif not info.stage:
            model.problems.append(Problem(
                message=f"'{info.label}' gives party guidance but has no stage, so the party never reads it",
                file=info.file, line=info.line, element_id=info.id, rule="PARTY_GUIDANCE", severity="error"))


def _missing(message: str, file: str | None, line: int | None, element_id: str | None) -> Problem:
    return Problem(message=message, file=file, line=line, element_id=element_id, rule="TRANSLATION",
                   severity="warning")


def with_names_in(xml: str, locale: str) -> str:
    """The BPMN text with every element's `name` in `locale` where the procedure gives one, for a diagram a
    reader looks at (never for editing: the modeler gets the file as written). Malformed text is returned as is."""
    lang = next((code for code, name in LANGUAGES.items() if name == locale), None)
    if lang is None:
        return xml
    root, problem = parse_xml("diagram", xml)
    if problem is not None:
        return xml
    for node in root.xpath("//bpmn:process//*[@id]", namespaces=NS):
        translated = properties_of(node).get(f"name_{lang}", "").strip()
        if translated:
            node.set("name", translated)
    return tostring(root)
