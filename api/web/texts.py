"""The words pages use for the engine's codes: stage, status, role and event names, error titles, field errors,
and the party portal's plain-language explanations. Marked with N_ for the catalogue, translated when shown."""
from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

from api.web.i18n import N_, current, format_number, gettext, ngettext, using

STAGES = {
    "filing": N_("Filing"), "investigation": N_("Investigation"), "determination": N_("Determination"),
    "education": N_("Education"), "order_to_correct": N_("Order to correct"),
    "remedy_period": N_("Remedy period"), "reinspection": N_("Reinspection"),
    "rights_notice": N_("Rights notice"), "statement_period": N_("Statement period"), "hearing": N_("Hearing"),
    "legal_review": N_("Legal review"), "penalty_decision": N_("Penalty decision"), "service": N_("Service"),
    "payment": N_("Payment"), "demand": N_("Demand"), "judicial_referral": N_("Judicial referral"),
    "closure": N_("Closure"),
}
STATUSES = {"open": N_("Open"), "suspended": N_("Suspended"), "closed": N_("Closed"), "cancelled": N_("Cancelled"),
            "active": N_("Active"), "retired": N_("Retired")}
ROLES = {"admin": N_("Administrator"), "officer": N_("Officer"), "supervisor": N_("Supervisor"),
         "legal_reviewer": N_("Legal reviewer"), "dispatcher": N_("Dispatcher"), "auditor": N_("Auditor"),
         "party": N_("Party"), "system": N_("System"), "worker": N_("Worker (program)"),
         "coordinator": N_("Coordinator"), "inspector": N_("Inspector")}
EVENTS = {
    "case_opened": N_("Case opened"), "task_completed": N_("Step completed"), "timer_fired": N_("Period ended"),
    "message_received": N_("Message received"), "decision_evaluated": N_("Decision table applied"),
    "deadline_set": N_("Deadline set"), "path_taken": N_("Procedure moved on"), "case_closed": N_("Case closed"),
    "case_cancelled": N_("Case cancelled"), "case_suspended": N_("Case suspended"),
    "case_resumed": N_("Case resumed"), "evidence_added": N_("Evidence added"),
    "case_exported": N_("Case file exported"), "custody_transferred": N_("Evidence handed over"),
    "evidence_viewed": N_("Evidence viewed"), "evidence_disclosed": N_("Evidence shown to the party"),
    "evidence_cited": N_("Evidence cited by the decision"),
    "rights_notice_served": N_("Rights notice served"), "step_refused": N_("Step refused"),
    "department_assigned": N_("Department assigned"), "task_cancelled": N_("Task withdrawn"),
    "document_served": N_("Document served"), "procedure_deployed": N_("Procedure deployed"),
    "user_added": N_("User added"), "user_disabled": N_("User disabled"), "department_added": N_("Department added"),
    "case_migrated": N_("Case moved to a new version"),
    "case_migration_reverted": N_("Case moved back to its earlier version"),
    "migration_planned": N_("Migration planned"), "migration_approved": N_("Migration approved"),
    "incident_opened": N_("Step failed: incident opened"), "step_failed": N_("Step failed again"),
    "incident_resolved": N_("Incident resolved"),
    "external_task_locked": N_("Worker took the task"), "external_task_completed": N_("Worker completed the task"),
    "external_task_failed": N_("Worker reported a failure"), "external_task_cancelled": N_("Worker's task withdrawn"),
    "external_task_released": N_("Worker's task offered again"), "bpmn_error_thrown": N_("Worker reported an error"),
    "document_issued": N_("Document issued"), "document_corrected": N_("Document corrected"),
    "document_viewed": N_("Document read by the party"), "court_package_assembled": N_("Court package assembled"),
    "case_dispatched": N_("Dispatched to a department"), "case_returned": N_("Returned by the department"),
    "case_disputed": N_("Disputed: sent to the coordinator"), "coordinator_assigned": N_("Assigned by the coordinator"),
    "responsibilities_published": N_("Responsibility list published"),
    "inspection_recorded": N_("Inspection recorded"), "finding_recorded": N_("Finding recorded"),
}
# Documents the agency issues (engine/documents), the ways of serving them and the periods service starts.
DOCUMENTS = {"rights_notice": N_("Notice of proposed penalty and of rights"),
             "order_to_correct": N_("Notice of order to correct"),
             "penalty_decision": N_("Administrative penalty decision"), "demand_notice": N_("Demand notice"),
             "education_record": N_("Decision not to impose a penalty, with the record of education"),
             "dispatch_sheet": N_("Dispatch sheet"),
             "court_package": N_("Application for compulsory enforcement"), "evidence": N_("Evidence")}
SERVICE_METHODS = {"in_person": N_("In person"), "left_at_address": N_("Left at the address"),
                   "registered_mail": N_("Registered mail"), "electronic": N_("Electronically, with consent"),
                   "public_announcement": N_("Public announcement")}
PERIODS = {"statement_and_hearing_request": N_("State your case or ask for a hearing by"),
           "payment": N_("Pay by"), "reconsideration": N_("Apply for reconsideration by"),
           "performance": N_("Comply by"), "correction": N_("Correct by")}
SYSTEM_ACTORS = {"engine": N_("The procedure"), "timer": N_("The clock"), "checkpoint": N_("Audit checkpoint"),
                 "dueflow-demo": N_("Demo set-up"), "dueflow-serve": N_("Server start-up")}
# Departments and violation categories by code, for the ones the bundled procedures and the demo use; a code
# an agency adds shows as written until it is added here (and to the catalogues).
DEPARTMENTS = {
    "cityscape": N_("Cityscape"), "markets": N_("Markets"), "sanitation": N_("Sanitation"),
    "greening": N_("Greening"), "municipal_works": N_("Municipal works"), "water": N_("Water"),
    "traffic": N_("Traffic"), "urban_management": N_("Urban management enforcement"),
    "market_supervision": N_("Market supervision"), "environment": N_("Ecology and environment"),
    "command_centre": N_("Command centre"),
}
CATEGORIES = {
    "noise": N_("Noise"), "street_vending": N_("Street vending"), "illegal_advertising": N_("Illegal advertising"),
    "construction_waste": N_("Construction waste"), "public_facilities": N_("Public facilities"),
    "roads_and_traffic": N_("Roads and traffic"), "cityscape_and_environment": N_("Cityscape and environment"),
    "greenery": N_("Greenery"), "advertising": N_("Advertising"), "construction": N_("Construction"),
    "street_order": N_("Street order"), "emergencies": N_("Emergencies"), "restaurant_street": N_("Restaurant street"),
    "construction_site": N_("Construction site"), "night_market": N_("Night market"),
    "waste_recycling_site": N_("Waste recycling site"), "littering": N_("Littering"),
    "illegal_posting": N_("Illegal posting"), "shop_front_occupation": N_("Shop-front occupation"),
}
MESSAGES = {"statement_received": N_("Statement from the party"),
            "hearing_requested": N_("Request for a hearing"), "waiver_received": N_("Signed waiver of the rights"),
            "fine_paid": N_("Fine paid")}
KINDS = {"userTask": N_("task"), "startEvent": N_("start event"), "endEvent": N_("end event"),
         "exclusiveGateway": N_("gateway"), "eventBasedGateway": N_("gateway"), "parallelGateway": N_("gateway"),
         "inclusiveGateway": N_("gateway"), "intermediateCatchEvent": N_("event"), "boundaryEvent": N_("event"),
         "businessRuleTask": N_("decision table"), "scriptTask": N_("script"), "subProcess": N_("subprocess"),
         "serviceTask": N_("worker task"), "sendTask": N_("worker task"), "receiveTask": N_("event")}
ERRORS = {
    "not_authenticated": N_("Please sign in."),
    "invalid_credentials": N_("Wrong user name or password."),
    "invalid_access_code": N_("Wrong case number or access code."),
    "too_many_attempts": N_("Too many attempts. Wait a moment and try again."),
    "forbidden": N_("You may not do this."),
    "separation_of_duties": N_("Separation of duties: whoever investigated may not do this step."),
    "rights_gate": N_("Refused to protect the party's rights."),
    "task_not_ready": N_("This task cannot be completed now."),
    "task_already_completed": N_("This task was already completed."),
    "stale_case_version": N_("Someone else changed the case meanwhile. Reload it and try again."),
    "case_not_open": N_("The case is not open."),
    "message_not_expected": N_("The case is not waiting for this message now."),
    "not_found": N_("Not found."), "case_not_found": N_("No such case."), "task_not_found": N_("No such task."),
    "procedure_not_found": N_("No such procedure."), "document_not_found": N_("No such document."),
    "user_not_found": N_("No such user."), "external_task_not_found": N_("No such worker task."),
    "external_task_not_locked": N_("This worker does not hold the task's lock."),
    "external_task_failed": N_("A worker task failed with no retries left; an incident was opened."),
    "invalid_form_data": N_("Some fields need your attention."),
    "invalid_procedure": N_("The procedure has problems; nothing was deployed."),
    "payload_too_large": N_("The file is too large."),
    "workflow_error": N_("The procedure failed while running."),
    "unsafe_expression": N_("The procedure contains an expression that is not allowed."),
    "budget_exceeded": N_("The procedure's code ran too long or used too much memory; an incident was opened."),
    "sandbox_failed": N_("The procedure could not be run just now; an incident was opened."),
    "conflict": N_("A concurrent change conflicted. Try again."),
    "csrf_failed": N_("The form expired or came from another site. Reload the page and try again."),
    "busy": N_("The database is busy. Try again."),
    "invalid_request": N_("The request could not be accepted."),
    "internal_error": N_("Something went wrong on our side."),
    "method_not_allowed": N_("This address does not take that kind of request."),
    "bad_request": N_("The request could not be read."),
}
# What a person reading an error page should understand, by HTTP status, and what to do next.
EXPLANATIONS = {
    401: N_("You need to sign in to see this page."),
    403: N_("Your role or department does not allow this page or action. If you think it should, ask an "
            "administrator."),
    404: N_("There is no page at this address. The link may be old or mistyped."),
    409: N_("The case has changed or is not at this step now. Go back, reload the page and try again."),
    422: N_("Some of what was sent could not be accepted. Go back, check what you entered and try again."),
    429: N_("Too many attempts. Wait a moment and try again."),
    500: N_("Something went wrong on our side. It was logged; please try again later."),
}
OTHER_EXPLANATION = N_("The request could not be completed. Go back and try again.")
# The engine's field messages (engine.forms, users, cases, party), matched whole, with their numbers kept.
FIELD_ERRORS: list[tuple[re.Pattern, str]] = [(re.compile(pattern), message) for pattern, message in [
    (r"^is required$", N_("Required.")),
    (r"^must be a whole number$", N_("Enter a whole number.")),
    (r"^must be true or false$", N_("Choose yes or no.")),
    (r"^must be a date like .*$", N_("Enter a date.")),
    (r"^must be one of: (?P<values>.*)$", N_("Choose one of: %(values)s")),
    (r"^must be text$", N_("Enter text.")),
    (r"^must be at least (?P<n>\d+) characters$", N_("At least %(n)s characters.")),
    (r"^must be at most (?P<n>\d+) characters$", N_("At most %(n)s characters.")),
    (r"^must be at least (?P<n>-?\d+)$", N_("At least %(n)s.")),
    (r"^must be at most (?P<n>-?\d+)$", N_("At most %(n)s.")),
    (r"^is not a field of this form$", N_("Not a field of this form.")),
    (r"^at least (?P<n>\d+) characters$", N_("At least %(n)s characters.")),
    (r"^at most (?P<n>\d+) characters$", N_("At most %(n)s characters.")),
    (r"^2-64 characters: lower-case letters.*$", N_("2-64 characters: lower-case letters, digits, '.', '_' or '-'.")),
    (r"^1-64 characters: lower-case letters.*$", N_("1-64 characters: lower-case letters, digits, '_' or '-'.")),
    (r"^one of: (?P<values>.*)$", N_("Choose one of: %(values)s")),
    (r"^an? .* works for one department: name it$", N_("This role works for one department: name it.")),
    (r"^'(?P<name>.*)' is taken$", N_("'%(name)s' is taken.")),
    (r"^write what you want to say$", N_("Write what you want to say.")),
    (r"^choose a file.*$", N_("Choose a file.")),
    (r"^a case needs a responsible department$", N_("A case needs a responsible department.")),
    # engine.values: what JSON cannot carry or the database cannot hold
    (r"^is not a number JSON can carry.*$", N_("Enter an ordinary number.")),
    (r"^is a whole number outside .*$", N_("The number is too large.")),
    (r"^is longer than (?P<n>\d+) characters$", N_("At most %(n)s characters.")),
    (r"^is nested more than (?P<n>\d+) levels deep$", N_("Nested more than %(n)s levels deep.")),
    (r"^(the name )?(contains a lone surrogate|must not contain NUL).*$",
     N_("Contains a character that cannot be stored.")),
    (r"^a case changes department only when a dispatcher hands it over.*$",
     N_("Only a dispatcher hands a case over to another department.")),
    (r"^must be a department code like .*$", N_("Enter a department code, e.g. sanitation.")),
]]
# What the audit verification says, matched whole (engine.audit), so auditors read it in their language.
AUDIT_PROBLEMS: list[tuple[re.Pattern, str]] = [(re.compile(pattern), message) for pattern, message in [
    (r"^event (?P<seq>\d+) \((?P<type>\w+)\) was altered after it was written$",
     N_("Event %(seq)s (%(type)s) was altered after it was written.")),
    (r"^event (?P<seq>\d+) is missing \(deleted\)$", N_("Event %(seq)s is missing (deleted).")),
    (r"^event (?P<seq>\d+) appears twice$", N_("Event %(seq)s appears twice.")),
    (r"^event (?P<seq>\d+) does not follow event (?P<prev>\d+) .*$",
     N_("Event %(seq)s does not follow event %(prev)s (reordered, inserted, or its predecessor altered).")),
    (r"^events (?P<first>\d+)\.\.(?P<last>\d+) were deleted$", N_("Events %(first)s to %(last)s were deleted.")),
    (r"^the chain does not end where the case says it does.*$",
     N_("The chain does not end where the case says it does (events added or rewritten).")),
    (r"^all (?P<events>\d+) events of the case were deleted$",
     N_("All of the case's events were deleted (%(events)s).")),
    (r"^checkpoint (?P<id>\d+) was altered$", N_("Checkpoint %(id)s was altered.")),
    (r"^checkpoint (?P<id>\d+) saw (?P<seen>\d+) events of this chain; only (?P<left>\d+) remain$",
     N_("Checkpoint %(id)s saw %(seen)s of this chain; the chain now holds %(left)s.")),
    (r"^event (?P<seq>\d+) \((?P<type>\w+)\) has no valid tag: .*$",
     N_("Event %(seq)s (%(type)s) has no valid tag: Dueflow did not write it (inserted or rewritten in the "
        "database).")),
    (r"^event (?P<seq>\d+) differs from the one checkpoint (?P<id>\d+) signed .*$",
     N_("Event %(seq)s differs from the one checkpoint %(id)s signed (the chain was rewritten).")),
    (r"^checkpoint (?P<id>\d+) does not match the heads the checkpoints before it recorded .*$",
     N_("Checkpoint %(id)s does not match the heads the checkpoints before it recorded (a checkpoint was altered "
        "or deleted).")),
    (r"^checkpoint (?P<id>\d+) is not signed by this installation's key .*$",
     N_("Checkpoint %(id)s is not signed by this installation's key (forged or altered).")),
    (r"^line (?P<line>\d+) of the witness file is not a checkpoint signed .*$",
     N_("Line %(line)s of the witness file is not a checkpoint signed by this installation's key.")),
    (r"^checkpoint (?P<id>\S+) of the witness file is missing from the database .*$",
     N_("Checkpoint %(id)s of the witness file is missing from the database (deleted or replaced).")),
]]
# The party portal (engine/services/party_guidance.py): per situation, what the party must do now ("do", with
# the deadline when there is one: "do_by") and what happens next ("next"); %(due)s, %(amount)s... are filled in.
_NOTHING = N_("Nothing is required of you now.")
PARTY_GUIDANCE: dict[str, dict[str, str]] = {
    "filing": {"do": _NOTHING,
               "next": N_("The office has registered the case. Officers will look into the facts; they must show "
                          "you their credentials, and you may give them your account.")},
    "investigation": {"do": N_("Answer the officers' questions and show what they ask to see. You may give your own "
                               "account and ask that your evidence be recorded."),
                      "next": N_("The office then decides whether a violation is established. Before any penalty "
                                 "you will be served a written notice of the proposed penalty and of your rights.")},
    "determination": {"do": _NOTHING,
                      "next": N_("The office is deciding whether a violation is established. Before any penalty "
                                 "you will be served a written notice of the proposed penalty and of your rights.")},
    "education": {"do": N_("No penalty is imposed and nothing is to be paid. The office explains the rules and how "
                           "to comply from now on."),
                  "next": N_("The case is then closed.")},
    "remedy_period": {"do": N_("Correct what you were ordered to correct, within the period stated in the order."),
                      "do_by": N_("Correct what you were ordered to correct by %(due)s."),
                      "next": N_("After the deadline an officer re-inspects the site. If it is corrected, a penalty "
                                 "may be avoided; if not, the office may propose a penalty and will notify you of "
                                 "your rights first.")},
    "reinspection": {"do": N_("Nothing more is required of you: an officer is checking whether the problem has been "
                              "corrected."),
                     "next": N_("If it has been corrected the case may close without a penalty; if not, the office "
                                "may propose a penalty and will notify you of your rights first.")},
    "statement_period": {"do": N_("You may state your case and defend yourself, in writing below or at the office, "
                                  "and ask for a hearing. You do not have to."),
                         "do_by": N_("Until %(due)s you may state your case and defend yourself, in writing below "
                                     "or at the office, and ask for a hearing. You do not have to."),
                         "next": N_("Then the office decides. It must consider what you said, and it may not impose "
                                    "a heavier penalty because you defended yourself (Administrative Penalty Law, "
                                    "article 45).")},
    "statement_received": {"do": N_("We have your statement. Nothing more is required of you now."),
                           "next": N_("The office must re-check the facts, reasons and evidence you gave and record "
                                      "the result before it decides. The fine cannot be raised because you spoke "
                                      "(Administrative Penalty Law, article 45). The decision will be served on you "
                                      "in writing."),
                           "next_by": N_("The office must re-check the facts, reasons and evidence you gave and "
                                         "record the result, by %(office_due)s at the latest. The fine cannot be "
                                         "raised because you spoke (Administrative Penalty Law, article 45). The "
                                         "decision will be served on you in writing.")},
    "hearing": {"do": N_("Attend the hearing. You will be told its time and place at least 7 working days before; "
                         "you may bring a lawyer. Staying away without good reason gives the hearing up."),
                "next": N_("The decision follows the record of the hearing (Administrative Penalty Law, articles 64 "
                           "and 65), and the fine cannot be raised because you asked for one (article 45).")},
    "legal_review": {"do": _NOTHING,
                     "next": N_("A legal reviewer checks the case before the decision, which will be served on you "
                                "in writing.")},
    "penalty_decision": {"do": _NOTHING,
                         "next": N_("The office is taking its decision. It will be served on you in writing; the "
                                    "periods to pay and to challenge it start from service.")},
    "service": {"do": N_("Read the decision when it is served: its facts, the fine and the deadline to pay."),
                "next": N_("The fine is due within 15 days of service. You may apply for reconsideration within 60 "
                           "days or sue within 6 months.")},
    "payment": {"do": N_("Pay the fine within 15 days of service of the decision."),
                "do_by": N_("Pay the fine by %(due)s."),
                "next": N_("Keep the bank's receipt: the office records the payment and closes the case. If you "
                           "cannot pay at once, you may apply in writing to defer or pay in instalments "
                           "(Administrative Penalty Law, article 66).")},
    "demand": {"do": N_("Pay or comply as the written demand says. You may state your case against the demand "
                        "before any enforcement (Administrative Compulsion Law, articles 35 to 37)."),
               "do_by": N_("Pay or comply as the written demand says, by %(due)s. You may state your case against "
                           "the demand before any enforcement (Administrative Compulsion Law, articles 35 to 37)."),
               "next": N_("If you do not comply, the office may apply to the court for enforcement once the "
                          "periods to challenge the decision have ended.")},
    "judicial_referral": {"do": N_("The office has applied to the court for enforcement. You may answer to the "
                                   "court."),
                          "next": N_("The court decides whether the decision is enforced.")},
    "closure": {"do": N_("The case is closed. Nothing more is required of you."), "next": ""},
    "closed": {"do": N_("The case is closed. Nothing more is required of you."), "next": ""},
    "cancelled": {"do": N_("The case was withdrawn. Nothing is required of you."), "next": ""},
    "suspended": {"do": N_("The case is suspended: its periods are paused until it resumes. Nothing is required of "
                           "you now."), "next": ""},
    "waiting": {"do": _NOTHING, "next": N_("Ask the office if you have questions.")},
}
SURCHARGE = N_("From %(from)s a surcharge of 3%% of the fine (%(per_day)s) is added for every day late, up to the "
               "amount of the fine (Administrative Penalty Law, article 72; Administrative Compulsion Law, article 45).")
# The party's timeline (engine/services/party_timeline.py): what happened, in the party's terms.
PARTY_TIMELINE = {
    "opened": N_("The office received a case concerning you."), "filed": N_("We filed the case."),
    "investigated": N_("Officers investigated and recorded the facts."),
    "internal": N_("The office worked on your case."),
    "educated": N_("We explained the rules to you; no penalty is imposed."),
    "ordered_to_correct": N_("We ordered you to correct the violation."),
    "reinspected": N_("We re-inspected the site."),
    "rights_notice_served": N_("We served you the notice of the proposed penalty and of your rights."),
    "statement_rechecked": N_("We re-checked your statement and recorded the result."),
    "hearing_held": N_("The hearing was held."), "penalty_decided": N_("We decided the penalty."),
    "decision_served": N_("We served you the penalty decision."),
    "payment_recorded": N_("Your payment was recorded."), "fine_paid": N_("Your payment was recorded."),
    "demand_served": N_("We served you a written demand."),
    "referred_to_court": N_("We applied to the court for enforcement."),
    "remedy_period_ended": N_("The period to correct ended."),
    "statement_period_ended": N_("The period to state your case ended."),
    "payment_period_ended": N_("The period to pay ended."),
    "demand_period_ended": N_("The period set by the demand ended."),
    "hearing_period_ended": N_("The period to ask for a hearing ended."),
    "you_stated": N_("You submitted a statement."), "you_requested_hearing": N_("You asked for a hearing."),
    "you_waived": N_("You gave up your right to state your case."),
    "document_served": N_("We served you the document: %(document)s."),
    "closed": N_("The case was closed."), "cancelled": N_("The case was withdrawn."),
    "suspended": N_("The case was suspended; its periods are paused."),
    "resumed": N_("The case was resumed; its periods run again."),
}


def label(table: dict[str, str], code: str | None) -> str:
    """The translated name of a code, or the code itself when the table does not know it."""
    if not code:
        return ""
    return gettext(table[code]) if code in table else code.replace("_", " ")


def document_both(code: str | None) -> Markup:
    """A document's title in the reader's language with the other beside it (a document is evidence in both)."""
    here = label(DOCUMENTS, code)
    other = "en" if current() == "zh_Hans" else "zh_Hans"
    with using(other):
        there = label(DOCUMENTS, code)
    if there == here:
        return Markup("{}").format(here)
    return Markup('{} <span class="muted small" lang="{}">{}</span>').format(
        here, "zh-Hans" if other == "zh_Hans" else "en", there)


def matched(patterns: list[tuple[re.Pattern, str]], text: str | None) -> str:
    """The translation of an engine message by pattern, or the message itself when no pattern fits."""
    text = (text or "").strip()
    for pattern, message in patterns:
        found = pattern.match(text)
        if found:
            values = {name: counted(int(value), COUNTED_GROUPS[name]) if name in COUNTED_GROUPS else value
                      for name, value in found.groupdict().items()}
            return gettext(message) % values
    return text


# groups of the engine's messages that are counts of events: shown with their noun and plural ("1 event")
COUNTED_GROUPS = {"events": "event", "seen": "event", "left": "event"}


def field_error(text: str | None) -> str:
    return matched(FIELD_ERRORS, text)


def audit_problem(text: str | None) -> str:
    return matched(AUDIT_PROBLEMS, text)


UNKNOWN_ERROR = N_("Something went wrong.")


def error_title(code: str | None) -> str:
    return gettext(ERRORS.get(code or "", UNKNOWN_ERROR))


def explanation(status: int) -> str:
    return gettext(EXPLANATIONS.get(status, OTHER_EXPLANATION))


def localized(item: Any) -> str:
    """A procedure's own text (a task, a form field or one of its options) in the reader's language: the
    translation written in the BPMN (engine.bpmn.translations), else the name as the procedure wrote it."""
    if isinstance(item, dict):
        names = item.get("labels") or item.get("names") or {}
        fallback = item.get("label") or item.get("name") or item.get("id") or ""
    else:
        names, fallback = getattr(item, "names", None) or {}, getattr(item, "name", "") or ""
    return str(names.get(current()) or fallback)


def in_language(names: dict[str, str] | None, fallback: str | None) -> str:
    """`names` (locale -> text, from the BPMN) in the reader's language, else the fallback as written."""
    return str((names or {}).get(current()) or fallback or "")


def actor_name(actor: str | None, role: str | None) -> str:
    """Who acted, as a person reads it: a user's name as is, the engine's own actors in words."""
    if role == "system" and actor in SYSTEM_ACTORS:
        return gettext(SYSTEM_ACTORS[actor])
    return actor or ""


def counted(n: int, noun: str) -> str:
    """A count with its noun in the reader's language: "1 case", "2 cases" (Chinese has one form, with its
    measure word). Each noun is written out so the catalogue holds its plural forms."""
    forms = {
        "case": lambda: ngettext("%(num)s case", "%(num)s cases", n),
        "task": lambda: ngettext("%(num)s task", "%(num)s tasks", n),
        "event": lambda: ngettext("%(num)s event", "%(num)s events", n),
        "chain": lambda: ngettext("%(num)s chain", "%(num)s chains", n),
        "entry": lambda: ngettext("%(num)s entry", "%(num)s entries", n),
        "staff": lambda: ngettext("%(num)s active staff member", "%(num)s active staff members", n),
    }
    return forms[noun]() % {"num": format_number(n)}
