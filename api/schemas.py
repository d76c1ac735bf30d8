"""Request and response bodies of the HTTP API (pydantic); names follow STYLE.md: CaseCreate, CaseView."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _no_nul(value: Any) -> Any:
    """Refuse NUL characters anywhere in a value: PostgreSQL cannot store them in text columns. (Case data,
    task data and payloads are checked in full, field by field, by engine.values in the services.)"""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("must not contain NUL characters")
    elif isinstance(value, dict):
        for key, item in value.items():
            _no_nul(key)
            _no_nul(item)
    elif isinstance(value, list):
        for item in value:
            _no_nul(item)
    return value


def _storable_text(value: str) -> str:
    """Text without NUL characters or lone surrogates (UTF-8 cannot carry them; PostgreSQL would refuse)."""
    _no_nul(value)
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("contains a lone surrogate (not a character UTF-8 can carry)") from None
    return value


Text = Annotated[str, AfterValidator(_storable_text)]
JsonObject = Annotated[dict[str, Any], AfterValidator(_no_nul)]
NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_.-]{0,199}$"
DEPARTMENT_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: list[dict[str, Any]] = []


class ErrorBody(BaseModel):
    error: ErrorDetail


# ---- auth and users ----
class TokenView(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    username: str
    role: str
    department: str | None


class ActorView(BaseModel):
    username: str
    role: str
    department: str | None


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Text = Field(min_length=2, max_length=64)
    password: Text = Field(min_length=1, max_length=1000)
    role: Text = Field(max_length=32)
    department: Text | None = Field(default=None, max_length=64)
    display_name: Text = Field(default="", max_length=200)
    topics: list[Text] | None = Field(default=None, max_length=100, description="a worker's external-task topics")


class UserView(BaseModel):
    username: str
    display_name: str
    role: str
    department: str | None
    active: bool
    created_at: str | None
    topics: list[str] | None = None


# ---- procedures ----
class ProblemView(BaseModel):
    file: str | None
    line: int | None
    element_id: str | None
    rule: str
    message: str
    severity: str = "error"


class DeployView(BaseModel):
    key: str
    version: int
    sha256: str
    created: bool
    lint: list[ProblemView]


class ProcedureView(BaseModel):
    key: str
    version: int
    name: str
    sha256: str
    status: str
    deployed_by: str
    deployed_at: str | None
    files: list[str]
    lint: list[ProblemView]
    names: dict[str, str] = Field(default_factory=dict, description="the procedure's name per locale (zh_Hans ...)")


# ---- cases and tasks ----
class CaseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    procedure: str = Field(pattern=NAME_PATTERN, examples=["notice"])
    data: JsonObject = Field(default_factory=dict, examples=[{
        "party": {"name": "Green Grocer Ltd", "type": "organisation", "id_number": "91310000MA1K00001X"},
        "location": {"address": "12 Huaihai Road", "grid_cell": "HP-0412"}, "category": "street_order"}])
    department: str | None = Field(default=None, pattern=DEPARTMENT_PATTERN,
                                   description="responsible department; defaults to the opener's own")


class TaskView(BaseModel):
    id: str
    case_id: int
    case_no: str | None
    element_id: str
    name: str
    role: str | None
    stage: str | None
    department: str
    state: str
    created_at: str | None
    due_at: str | None
    party_name: str = ""
    form: list[dict[str, Any]] = []
    names: dict[str, str] = Field(default_factory=dict, description="the task's name per locale (zh_Hans ...)")
    documents: list[str] = Field(default_factory=list, description="the document kinds completing the task issues")


class CaseView(BaseModel):
    id: int
    case_no: str | None
    procedure: str
    procedure_version: int
    status: str
    stage: str | None
    outcome: str | None
    category: str | None
    department: str
    party: dict[str, Any]
    location: dict[str, Any]
    opened_at: str | None
    closed_at: str | None
    next_due_at: str | None
    deadlines: list[dict[str, Any]]
    ready_tasks: list[TaskView]
    row_version: int
    data: dict[str, Any] | None = None
    access_code: str | None = Field(default=None, description="the party's access code: shown once, at opening")
    external_tasks: list[dict[str, Any]] = Field(default_factory=list,
                                                 description="service and send tasks waiting for a worker")
    waiting_messages: list[str] = Field(default_factory=list,
                                        description="the BPMN messages the case accepts now (POST .../messages)")


class CaseSummary(BaseModel):
    id: int
    case_no: str | None
    status: str
    stage: str | None
    outcome: str | None
    category: str | None
    department: str
    party_name: str
    address: str
    grid_cell: str | None
    opened_at: str
    next_due_at: str | None


class CasePage(BaseModel):
    items: list[CaseSummary]
    total: int = Field(description="matching cases, counted up to 1,000")
    capped: bool = Field(description="more cases match than `total` says")
    next: int | None = Field(description="pass as `after` for the next page; null on the last page")
    limit: int


class TaskComplete(BaseModel):
    model_config = ConfigDict(extra="forbid")
    data: dict[str, Any] = Field(default_factory=dict, examples=[{"findings": "goods on the pavement",
                                                                  "fine_due": True}])
    expected_version: int | None = Field(default=None, description="the case's row_version you saw; 409 if stale")


class MessageCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # any name BPMN allows (xsd:string): `zaakdossier-created`, `Payment received`; no control characters
    name: str = Field(pattern=r"^[^\x00-\x1f\x7f]{1,200}$", examples=["fine_paid", "zaakdossier-created"])
    payload: JsonObject = Field(default_factory=dict)


class CaseCancel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text = Field(min_length=1, max_length=2000)


class IncidentView(BaseModel):
    id: int
    case_id: int
    case_no: str | None
    opened_at: str
    opened_by: str
    code: str
    message: str
    element_id: str | None
    kind: str
    attempts: int
    status: str
    resolved_at: str | None
    resolved_by: str | None
    resolution: str | None


class DocumentView(BaseModel):
    id: int
    case_id: int
    kind: str
    filename: str
    media_type: str
    sha256: str
    size: int
    visible_to_party: bool
    created_by: str
    created_at: str


class EvidenceHandover(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: str = Field(min_length=1, max_length=100, description="a username, or with `external` a holder outside "
                                                              "Dueflow (an evidence room, a laboratory, a court)")
    external: bool = False
    where: str = Field(default="", max_length=300)
    note: str = Field(default="", max_length=1000)


class CustodyView(BaseModel):
    document_id: int
    filename: str
    sha256: str
    description: str
    collected_by: str
    collected_at: str
    collected_where: str
    holder: str
    storage: str
    events: list[dict[str, Any]]


class EvidenceCitation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    task_id: str = Field(min_length=1, max_length=36, description="the waiting decision task")
    document_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(min_length=1, max_length=500)


class EvidenceCited(BaseModel):
    task_id: str
    document_ids: list[int]


# ---- audit ----
class AuditEventView(BaseModel):
    seq: int
    occurred_at: str
    actor: str
    actor_role: str
    event_type: str
    element_id: str | None
    procedure_version: str | None
    payload: dict[str, Any]
    prev_hash: str
    hash: str


class CheckpointView(BaseModel):
    """A signed checkpoint; docs/security.md says what its Ed25519 signature covers."""
    id: int
    created_at: str
    chains: int
    events: int
    root: str
    key_id: str
    signature: str


class AuditReportView(BaseModel):
    ok: bool
    cases: int
    events: int
    problems: list[dict[str, Any]]
    checkpoint: CheckpointView | None = None  # the newest signed checkpoint the chains were compared with
    since_checkpoint: int | None = None  # incremental: only what was written after this checkpoint was checked


class PublicKeyView(BaseModel):
    algorithm: str
    key_id: str
    public_key: str  # hex, 32 bytes
    signed_message: str
    retired_public_keys: list[str]


# ---- the party ----
class PartyTokenView(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    case_no: str


class StatementCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: Text = Field(min_length=1, max_length=20_000)


class HearingRequestCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text = Field(default="", max_length=20_000)


class PartyCaseView(BaseModel):
    case_no: str
    status: str
    stage: str | None
    outcome: str | None
    opened_at: str | None
    closed_at: str | None
    party: dict[str, Any]
    deadlines: list[dict[str, Any]]
    rights: list[dict[str, str]]
    can_send: list[str]
    documents: list[dict[str, Any]]
    timeline: list[dict[str, Any]]


class HealthView(BaseModel):
    ok: bool
    database: str


# ---- external tasks (Camunda 7's field names, so its clients and habits carry over) ----
class ExternalTopic(BaseModel):
    topicName: Text = Field(min_length=1, max_length=200)
    lockDuration: int = Field(ge=1, le=7 * 24 * 3600 * 1000, description="milliseconds")
    variables: list[Text] | None = Field(default=None, max_length=200,
                                         description="the case variables to send (default: all of them)")


class ExternalFetch(BaseModel):
    model_config = ConfigDict(extra="ignore")  # Camunda clients send fields Dueflow does not use (usePriority ...)
    workerId: Text = Field(min_length=1, max_length=100)
    maxTasks: int = Field(default=1, ge=1, le=100)
    topics: list[ExternalTopic] = Field(min_length=1, max_length=100)


class ExternalComplete(BaseModel):
    model_config = ConfigDict(extra="ignore")
    workerId: Text = Field(min_length=1, max_length=100)
    variables: JsonObject = Field(default_factory=dict)


class ExternalFailure(BaseModel):
    model_config = ConfigDict(extra="ignore")
    workerId: Text = Field(min_length=1, max_length=100)
    errorMessage: Text = Field(default="", max_length=2000)
    retries: int = Field(ge=0, le=1000)
    retryTimeout: int = Field(default=0, ge=0, le=7 * 24 * 3600 * 1000, description="milliseconds")


class ExternalBpmnError(BaseModel):
    model_config = ConfigDict(extra="ignore")
    workerId: Text = Field(min_length=1, max_length=100)
    errorCode: Text = Field(min_length=1, max_length=200)
    errorMessage: Text = Field(default="", max_length=2000)
    variables: JsonObject = Field(default_factory=dict)


class LockedExternalTaskView(BaseModel):
    id: str
    topicName: str
    workerId: str
    lockExpirationTime: str
    activityId: str
    activityName: str
    caseId: int
    businessKey: str | None
    processDefinitionKey: str
    retries: int | None
    errorMessage: str | None
    variables: dict[str, Any]


# ---- issued documents, service, the court package ----
class IssuedDocumentView(BaseModel):
    view: DocumentView
    number: str
    template: str
    lang: str
    served_at: str | None
    service: dict[str, Any] | None
    replaces_id: int | None


class DocumentIssue(BaseModel):
    model_config = ConfigDict(extra="forbid")
    template: Literal["rights_notice", "order_to_correct", "penalty_decision", "demand_notice", "education_record",
                      "dispatch_sheet"]
    lang: Literal["zh_Hans", "en"] = "zh_Hans"


class DocumentCorrection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text = Field(min_length=1, max_length=2000)


class CourtPackageCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lang: Literal["zh_Hans", "en"] = "zh_Hans"


class CourtPackageView(BaseModel):
    document: IssuedDocumentView
    manifest: dict[str, Any]
    manifest_document_id: int


class MigrationCreate(BaseModel):
    """A plan to move running cases (docs/migration.md): computed and stored, not run."""

    model_config = ConfigDict(extra="forbid")
    procedure: str = Field(min_length=1, max_length=200, description="the procedure's key (BPMN process id)")
    source_version: int = Field(ge=1, le=2**31 - 1)
    target_version: int = Field(ge=1, le=2**31 - 1)
    case_filter: JsonObject = Field(description='one of {"all": true}, {"cases": ["2026-000001"]}, {"stage": '
                                                '"statement_period"}, {"department": "cityscape"}')
    mapping: dict[str, str] = Field(default_factory=dict, description="old element id -> new; default: same ids")
    due_changes: JsonObject = Field(default_factory=dict, description='timer element -> {"due_at", "reason"}')
    reason: Text = Field(min_length=1, max_length=2000)


class MigrationReason(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text = Field(min_length=1, max_length=2000)
