"""The party portal's guidance, timeline and contact in the reader's language: the engine's codes and facts
(engine/services/party_guidance.py, party_timeline.py) put into the sentences of api/web/texts.py."""
from __future__ import annotations

from typing import Any

from api.web import i18n, texts
from api.web.i18n import N_, current, gettext

AMOUNT = N_("%(amount)s yuan")


def money(amount: float | None) -> str:
    return gettext(AMOUNT) % {"amount": i18n.format_number(amount)} if amount is not None else ""


def guidance_words(guidance: Any) -> dict[str, Any]:
    """{"do", "next", "amount", "surcharge", "orders", "custom"}: what to do now, by when, and what follows."""
    words = texts.PARTY_GUIDANCE.get(guidance.situation, texts.PARTY_GUIDANCE["waiting"])
    facts = {"due": i18n.format_instant(guidance.due_at, "short"),
             "office_due": i18n.format_instant(guidance.office_due_at, "short")}
    do = words["do_by"] if guidance.due_at and "do_by" in words else words["do"]
    follows = words["next_by"] if guidance.office_due_at and "next_by" in words else words["next"]
    surcharge = ""
    if guidance.surcharge_from:
        surcharge = gettext(texts.SURCHARGE) % {"from": i18n.format_day(guidance.surcharge_from, "long"),
                                                "per_day": money(guidance.surcharge_per_day)}
    custom = guidance.custom.get(current()) or guidance.custom.get("") or ""
    return {"do": gettext(do) % facts if do else "", "next": gettext(follows) % facts if follows else "",
            "amount": money(guidance.amount), "surcharge": surcharge, "custom": custom,
            "orders": [{"label": texts.in_language(o["labels"], o["label"]), "value": _value(o)}
                       for o in guidance.orders]}


def _value(order: dict[str, Any]) -> str:
    value = order["value"]
    if order["type"] == "enum" and str(value) in order["options"]:
        names = order["options"][str(value)]
        return str(names.get(current()) or names.get("") or value)
    if order["type"] == "date":
        return i18n.format_day(str(value), "long")
    if order["type"] == "boolean":
        return gettext(N_("Yes")) if value else gettext(N_("No"))
    return str(value)


def timeline_text(entry: dict[str, Any]) -> str:
    text = gettext(texts.PARTY_TIMELINE.get(entry["what"], texts.PARTY_TIMELINE["internal"]))
    if entry["what"] == "document_served":
        text = text % {"document": texts.label(texts.DOCUMENTS, entry.get("document"))}
    return text


def contact_words(contact: dict[str, str]) -> dict[str, str]:
    """The agency's contact in the reader's language: as written (Chinese) for zh, the English one otherwise."""
    english = not current().startswith("zh")
    return {key: (contact.get(f"{key}_en") if english else None) or value
            for key, value in contact.items() if not key.endswith("_en")}
