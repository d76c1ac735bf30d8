"""Procedures: what is deployed, deploying BPMN + DMN files (admins), and reading a version's BPMN."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Path, UploadFile
from fastapi.responses import Response

from api.deps import CurrentActor, RuntimeDep
from api.downloads import download_headers
from api.formdata import FormRoute
from api.routers import as_json, errors
from api.schemas import DeployView, NAME_PATTERN, ProcedureView
from engine.domain import PayloadTooLargeError
from engine.services import procedures

router = APIRouter(prefix="/api/procedures", tags=["procedures"], route_class=FormRoute)
ProcedureKey = Annotated[str, Path(pattern=NAME_PATTERN)]
Version = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("", response_model=list[ProcedureView], responses=errors(401, 403))
def list_procedures(rt: RuntimeDep, _actor: CurrentActor):
    """Every deployed version of every procedure (procedures are published: any staff role reads them)."""
    return as_json([view.as_dict() for view in procedures.list_procedures(rt)])


@router.post("", status_code=201, response_model=DeployView, responses={
    200: {"model": DeployView, "description": "these exact files were deployed before: that version"},
    **errors(401, 403, 413, 422)})
def deploy(rt: RuntimeDep, actor: CurrentActor,
           files: Annotated[list[UploadFile], File(description="the BPMN file and its DMN tables")],
           lanes: Annotated[str | None, Form(max_length=20_000, description=(
               'lane name -> role (or {"role", "department"}), JSON: {"Boss": "supervisor"}'))] = None):
    """Deploy a procedure: 201 with the new version, or 422 with one entry per problem found."""
    contents: dict[str, bytes] = {}
    for number, upload in enumerate(files, start=1):
        data = upload.file.read(procedures.MAX_FILE_BYTES + 1)
        name = upload.filename or f"file{number}"
        if len(data) > procedures.MAX_FILE_BYTES:
            raise PayloadTooLargeError(f"{name} is larger than {procedures.MAX_FILE_BYTES} bytes")
        contents[name] = data
    result = procedures.deploy_procedure(rt, files=contents, actor=actor, lanes=lanes)
    return as_json(result, 201 if result.created else 200)


@router.get("/{key}/versions/{version}/bpmn", response_class=Response, responses={
    200: {"content": {"application/xml": {}}, "description": "the BPMN XML as deployed"}, **errors(401, 403, 404)})
def bpmn_source(key: ProcedureKey, version: Version, rt: RuntimeDep, _actor: CurrentActor):
    name, text = procedures.procedure_file(rt, key=key, version=version, kind="bpmn")
    return Response(text, media_type="application/xml", headers=download_headers(name, disposition="inline"))
