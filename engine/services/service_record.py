"""What a record of service (送达) must hold, per method: in person or left at the address with a recipient,
registered mail with its tracking number, electronic service only with the party's recorded consent, public
announcement; a refusal to sign needs witnesses. Returns the fields stored with the document and audited."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.domain import InvalidDataError, PayloadTooLargeError

METHODS = ("in_person", "left_at_address", "registered_mail", "electronic", "public_announcement")


def check_service(*, method: str, served_at: datetime, recipient: str, tracking_no: str, refused: bool,
                  witnesses: tuple[str, ...] | list[str], consent_recorded: bool, proof: bytes, now: datetime,
                  max_proof: int) -> dict[str, Any]:
    errors: dict[str, str] = {}
    recipient, tracking_no = (recipient or "").strip(), (tracking_no or "").strip()
    witnesses = tuple(w.strip() for w in witnesses or () if w and w.strip())
    if method not in METHODS:
        errors["method"] = f"one of {', '.join(METHODS)}"
    if not isinstance(served_at, datetime) or served_at.tzinfo is None:
        errors["served_at"] = "a date and time with its time zone"
    elif served_at > now:
        errors["served_at"] = "service cannot be recorded before it happens"
    if method in ("in_person", "left_at_address") and not recipient:
        errors["recipient"] = "who received the document (or the address it was left at)"
    if method == "registered_mail" and not tracking_no:
        errors["tracking_no"] = "the registered mail's tracking number"
    if method == "electronic" and not consent_recorded:
        errors["consent_recorded"] = "electronic service needs the party's recorded consent (Administrative " \
                                     "Penalty Law 61)"
    if refused and len(witnesses) < 1:
        errors["witnesses"] = "a refusal to sign is noted with the names of the witnesses present"
    if len(recipient) > 300 or len(tracking_no) > 100 or any(len(w) > 100 for w in witnesses) or len(witnesses) > 5:
        errors.setdefault("recipient", "recipient at most 300, tracking number 100, up to 5 witnesses of 100")
    if errors:
        raise InvalidDataError.for_fields(errors)
    if len(proof) > max_proof:
        raise PayloadTooLargeError(f"a proof of service may be at most {max_proof // (1024 * 1024)} MiB")
    return {"method": method, "recipient": recipient, "tracking_no": tracking_no, "refused": bool(refused),
            "witnesses": list(witnesses), "consent_recorded": bool(consent_recorded)}
