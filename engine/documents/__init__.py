"""Documents an agency issues (rights notice, order to correct, penalty decision, demand notice): Jinja2 templates
in Chinese and English rendered from the case record to HTML, and from HTML to PDF with WeasyPrint (CJK set in
the Noto CJK fonts of the project's setup), with the agency's name, its seal and a QR code opening the party
portal. Numbers, storage and audit are the services' (engine/services/issuing.py); this package only renders."""
from engine.documents.library import resolve as resolve_templates, template_files
from engine.documents.render import (KINDS, LANGS, DocumentKind, MissingFieldsError, TemplateRefusedError,
                                     render_html, render_pdf, required_fields, sample_html, titles, trial_problems)

__all__ = ["KINDS", "LANGS", "DocumentKind", "MissingFieldsError", "TemplateRefusedError", "render_html",
           "render_pdf", "required_fields", "resolve_templates", "sample_html", "template_files", "titles",
           "trial_problems"]
