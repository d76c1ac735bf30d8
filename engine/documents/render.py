"""Render one document: its template (Chinese or English) filled from a context the services build from the
case record, then typeset to PDF. Nothing here reads the database or the clock."""
from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import jinja2
import segno

from engine.documents import library
from engine.domain import InvalidDataError, Problem

TEMPLATES = library.LIBRARY
LANGS = ("zh_Hans", "en")


@dataclass(frozen=True)
class DocumentKind:
    name: str
    prefix: str  # of the agency number: 示城管罚告〔2026〕3号
    title_zh: str
    title_en: str
    required: tuple[str, ...]  # variables of the case the document cannot be issued without


KINDS: dict[str, DocumentKind] = {kind.name: kind for kind in (
    DocumentKind("rights_notice", "罚告", "行政处罚事先告知书", "Notice of proposed penalty and of rights",
                 ("facts", "legal_basis", "proposed_fine")),
    DocumentKind("order_to_correct", "责改", "责令改正通知书", "Order to correct",
                 ("facts", "legal_basis", "remedy_days")),
    DocumentKind("penalty_decision", "罚决", "行政处罚决定书", "Administrative penalty decision",
                 ("facts", "legal_basis", "fine_amount")),
    DocumentKind("demand_notice", "催告", "催告书", "Demand notice", ("decision_no", "amount_due")),
    DocumentKind("education_record", "不罚", "不予行政处罚决定书（教育记录）",
                 "Decision not to impose a penalty, with the record of education",
                 ("facts", "legal_basis", "education_given")),
    DocumentKind("dispatch_sheet", "派遣", "案件派遣单", "Dispatch sheet",
                 ("description", "responsible_department", "handling_time")),
    DocumentKind("court_package", "强申", "强制执行申请书", "Application for compulsory enforcement", ()),
)}


# what a case file holds besides the documents issued from templates, named in both languages too
OTHER_TITLES = {"evidence": ("证据", "Evidence"), "service_proof": ("送达回证", "Proof of service"),
                "court_package_manifest": ("强制执行申请材料清单", "Court package manifest")}


def titles(kind: str | None) -> dict[str, str] | None:
    """A document kind's title per locale ({"zh_Hans": ..., "en": ...}), None for a kind nobody named."""
    spec = KINDS.get(kind or "")
    if spec is not None:
        return {"zh_Hans": spec.title_zh, "en": spec.title_en}
    other = OTHER_TITLES.get(kind or "")
    return {"zh_Hans": other[0], "en": other[1]} if other else None


class _Values(dict):
    """The case's variables in a template: an optional one the case lacks reads as empty (required ones are
    checked before rendering; a misspelt template name still fails under StrictUndefined)."""

    def __missing__(self, key: str) -> str:
        return ""


class MissingFieldsError(InvalidDataError):
    """The case record lacks what a document must state; each missing variable is named."""


class TemplateRefusedError(InvalidDataError):
    """A procedure's template tried what the sandbox refuses (Python internals, changing a value)."""


def required_fields(kind: str) -> tuple[str, ...]:
    return _kind(kind).required


def _kind(kind: str) -> DocumentKind:
    found = KINDS.get(kind)
    if found is None:
        raise InvalidDataError.for_fields({"template": f"unknown document {kind!r}; one of {', '.join(KINDS)}"})
    return found


def _qr_data_uri(url: str) -> str:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=3, border=1)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def _seal_data_uri(path: Path | None) -> str | None:
    if path is None or not path.is_file():
        return None
    media = "image/svg+xml" if path.suffix.lower() == ".svg" else "image/png"
    return f"data:{media};base64," + base64.b64encode(path.read_bytes()).decode()


def render_html(kind: str, *, lang: str, case: dict[str, Any], data: dict[str, Any], agency: dict[str, Any],
                number: str, issued_on: str, portal_url: str, replaces: dict[str, Any] | None = None,
                templates: Mapping[str, str] | None = None, **extra: str) -> str:
    """The document as HTML (also the web preview), from the procedure version's stored `templates` (the
    library's for a version that stores none). `data` is the case's variables; a missing required one raises
    MissingFieldsError naming it."""
    spec = _kind(kind)
    if lang not in LANGS:
        raise InvalidDataError.for_fields({"lang": f"one of {', '.join(LANGS)}"})
    missing = {name: "the case record has no value for it" for name in spec.required
               if data.get(name) in (None, "")}
    if missing:
        raise MissingFieldsError.for_fields(missing)
    zh = lang == "zh_Hans"

    def t(chinese: str, english: str) -> str:
        return chinese if zh else english

    agency_name = agency["name"] if zh else agency.get("name_en") or agency["name"]
    template = library.environment(templates).get_template(library.file_of(kind))
    context = dict(t=t, lang=lang, zh=zh, title=spec.title_zh if zh else spec.title_en, case=case,
                   data=_Values(data), agency=agency, agency_name=agency_name, number=number, issued_on=issued_on,
                   replaces=replaces, qr=_qr_data_uri(portal_url), portal_url=portal_url,
                   seal=_seal_data_uri(agency.get("seal_path")), **extra)
    try:
        return template.render(**context)
    except jinja2.exceptions.SecurityError as exc:  # a template that hid its reach behind the case's values
        raise TemplateRefusedError.for_fields({"template": f"{library.file_of(kind)} of this procedure version "
                                                           f"reaches for what documents may not use: {exc}"}) from None


def sample_html(kind: str, *, lang: str, templates: Mapping[str, str] | None, agency: dict[str, Any],
                portal_url: str) -> str:
    """The document with each variable shown by its name in brackets: the preview of a version's template and
    the trial render a deploy makes of every template it stores."""
    spec = _kind(kind)
    data = {name: f"［{name}］" for name in spec.required}
    return render_html(kind, lang=lang, case={"case_no": "［case_no］", "party_name": "［party_name］",
                                              "address": "［address］", "grid_cell": ""},
                       data=data, agency=agency, number=f"{agency.get('code', '')}{spec.prefix}〔____〕___号",
                       issued_on="［issued_on］", portal_url=portal_url, templates=templates,
                       deadline_text="［deadline］", correct_by="", pay_by="")


def trial_problems(kinds: list[str], templates: Mapping[str, str]) -> list[Problem]:
    """Render each kind in both languages with sample values: a template that reaches for what the sandbox
    refuses (Python internals, changing a value) or names a variable documents never have fails the deploy."""
    agency = {"name": "示范机关", "name_en": "Sample agency", "code": "示", "contact": "", "seal_path": None}
    problems = []
    for kind in kinds:
        for lang in LANGS:
            try:
                sample_html(kind, lang=lang, templates=templates, agency=agency, portal_url="http://example.invalid")
            except (jinja2.TemplateError, TemplateRefusedError) as exc:
                reason = exc.details[0]["message"] if isinstance(exc, TemplateRefusedError) else f"{exc}"
                problems.append(Problem(f"the template cannot be rendered ({lang}): {reason}",
                                        file=library.file_of(kind), line=getattr(exc, "lineno", None),
                                        rule=library.RULE))
                break
    return problems


def render_pdf(html: str) -> bytes:
    """Typeset the HTML to PDF (WeasyPrint; fonts from fontconfig, Noto CJK for Chinese)."""
    import weasyprint  # imported on use: it loads pango, which the web pages do not need

    # documents carry their images inline (seal, QR code): a template pointing at a file or a web address gets
    # nothing, so no local file or internal service can leak into a PDF
    inline_only = weasyprint.urls.URLFetcher(allowed_protocols={"data"})
    return weasyprint.HTML(string=html, base_url=str(TEMPLATES), url_fetcher=inline_only).write_pdf()
