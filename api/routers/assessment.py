"""Assessment of the closed loop (GB/T 30428 indicators), JSON or CSV, and the public statistics: aggregates
per district and month with no personal data. Fines and revenue never appear (PL 74)."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.deps import CurrentActor, RuntimeDep
from api.routers import as_json, errors
from engine.services import assessment, assessment_cases, assessment_export

router = APIRouter(tags=["assessment"])


@router.get("/api/assessment", responses=errors(401, 403, 422))
def assess(rt: RuntimeDep, actor: CurrentActor, date_: Annotated[date, Query(alias="date")],
           period: Annotated[str, Query(pattern=r"^(day|week|month|quarter|year)$")] = "month",
           by: Annotated[str, Query(pattern=r"^(department|grid|street|person)$")] = "department",
           format: Annotated[str, Query(pattern=r"^(json|csv|xlsx)$")] = "json"):
    """The indicators per group for the period holding `date` (local calendar), with totals; CSV on request, or
    XLSX with a sheet per grouping (Chinese and English headers)."""
    if format == "xlsx":
        name = f"assessment-{period}-{date_.isoformat()}.xlsx"
        return Response(assessment_export.to_xlsx(rt, actor=actor, period=period, day=date_), media_type=assessment_export.XLSX,
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    result = assessment.assess(rt, actor=actor, period=period, day=date_, by=by)
    if format == "csv":
        name = f"assessment-{period}-{date_.isoformat()}-{by}.csv"
        return Response(assessment.to_csv(result), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return as_json(result)


@router.get("/api/assessment/cases", responses=errors(401, 403, 422))
def cases_behind(rt: RuntimeDep, actor: CurrentActor, date_: Annotated[date, Query(alias="date")],
                 indicator: Annotated[str, Query(max_length=64)],
                 period: Annotated[str, Query(pattern=r"^(day|week|month|quarter|year)$")] = "month",
                 by: Annotated[str, Query(pattern=r"^(department|grid|street|person)$")] = "department",
                 group: Annotated[str | None, Query(max_length=200)] = None,
                 after: Annotated[int, Query(ge=0, le=assessment_cases.MAX_KEY)] = 0,
                 limit: Annotated[int, Query(ge=1, le=200)] = 50):
    """The cases counted in one figure (a rate: its numerator), oldest first; pass `next` as `after`."""
    return as_json(assessment_cases.cases_behind(rt, actor=actor, indicator=indicator, period=period, day=date_,
                                                 by=by, group=group, after=after, limit=limit))


@router.get("/api/assessment/bulletin", responses=errors(401, 403, 422))
def bulletin(rt: RuntimeDep, actor: CurrentActor, month: Annotated[str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")],
             lang: Annotated[str, Query(pattern=r"^(zh_Hans|zh|en)$")] = "zh_Hans"):
    """The printable monthly bulletin as PDF (indicators per department, ranking, charts, blind spots)."""
    language = "zh_Hans" if lang.startswith("zh") else "en"
    pdf = assessment_export.bulletin_pdf(rt, actor=actor, month=assessment_export.parse_month(month), lang=language)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="bulletin-{month}-{language}.pdf"'})


@router.get("/api/public/statistics", responses=errors(422))
def statistics(rt: RuntimeDep, year: Annotated[int, Query(ge=2000, le=2100)]):
    """Cases reported and closed per district and month of a year, and the closure rate; no sign-in."""
    return as_json(assessment.public_statistics(rt, year=year))
