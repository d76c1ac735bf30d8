"""The assessment's pages: the dashboard (figures per group, each linking to the cases behind it, a bar chart of
closure rates, the last twelve months as ECharts charts over a table, the quarter's ranking, CSV/XLSX export and
the monthly bulletin), the cases behind a figure, and the public statistics."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.web.pages import WebRoute, locale_of, page, secure
from api.web.session import StaffUser
from engine.domain import Role
from engine.services import assessment, assessment_cases, assessment_export

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Period = Annotated[str, Query(pattern=r"^(day|week|month|quarter|year)$")]
By = Annotated[str, Query(pattern=r"^(department|grid|street|person)$")]


def _rt(request: Request):
    return request.app.state.runtime


def _months_back(day: date, n: int) -> list[date]:
    months = []
    year, month = day.year, day.month
    for _ in range(n):
        months.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(months))


def over_time(months: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """The last twelve months' totals as the charts' series (ECharts reads them from a data attribute; the table
    beside the charts shows the same numbers without a script)."""
    return {"months": [label for label, _ in months],
            **{name: [t[name] for _, t in months] for name in ("reported", "filed", "closed")},
            **{name: [None if t[name] is None else round(t[name] * 100, 1) for _, t in months]
               for name in ("closure_rate", "on_time_closure_rate")}}


@router.get("/assessment")
def dashboard(request: Request, actor: StaffUser, period: Period = "month", day: Annotated[date | None, Query(
        alias="date")] = None, by: By = "department"):
    rt = _rt(request)
    day = day or rt.now().date()
    if actor.role == Role.SUPERVISOR:
        by = "department"
    result = assessment.assess(rt, actor=actor, period=period, day=day, by=by)
    months = [(m.strftime("%Y-%m"), assessment.assess(rt, actor=actor, period="month", day=m, by=by)["total"])
              for m in _months_back(day, 12)]
    ranking = assessment.assess(rt, actor=actor, period="quarter", day=day, by="department")["groups"]
    ranking.sort(key=lambda g: (-(g["closure_rate"] or 0), -(g["on_time_closure_rate"] or 0), g["group"]))
    return page(request, "assessment/dashboard.html", result=result, period=period, day=day.isoformat(), by=by,
                months=months, series=over_time(months), ranking=ranking,
                quarter=f"{day.year}Q{(day.month - 1) // 3 + 1}", rates=assessment.RATES,
                vendor_ready=request.app.state.vendor_ready)


@router.get("/assessment/cases")
def cases_behind(request: Request, actor: StaffUser, indicator: Annotated[str, Query(max_length=64)],
                 period: Period = "month", day: Annotated[date | None, Query(alias="date")] = None,
                 by: By = "department", group: Annotated[str | None, Query(max_length=200)] = None,
                 after: Annotated[int, Query(ge=0, le=assessment_cases.MAX_KEY)] = 0):
    """The cases behind one figure of the dashboard, 50 a page."""
    rt = _rt(request)
    day = day or rt.now().date()
    listed = assessment_cases.cases_behind(rt, actor=actor, indicator=indicator, period=period, day=day, by=by,
                                           group=group, after=after)
    query = {"indicator": indicator, "period": period, "date": day.isoformat(), "by": by}
    if group is not None:
        query["group"] = group
    return page(request, "assessment/cases.html", listed=listed, query=query, asked=indicator,
                back=urlencode({k: v for k, v in query.items() if k in ("period", "date", "by")}),
                more=urlencode(dict(query, after=listed["next"])) if listed["next"] is not None else None)


@router.get("/assessment/export")
def export(request: Request, actor: StaffUser, format: Annotated[str, Query(pattern=r"^(csv|xlsx)$")],
           period: Period = "month", day: Annotated[date | None, Query(alias="date")] = None, by: By = "department"):
    """The dashboard's downloads for a signed-in session (the /api routes take a bearer token)."""
    rt = _rt(request)
    day = day or rt.now().date()
    if format == "xlsx":
        body = assessment_export.to_xlsx(rt, actor=actor, period=period, day=day)
        name, media = f"assessment-{period}-{day.isoformat()}.xlsx", assessment_export.XLSX
    else:
        body = assessment.to_csv(assessment.assess(rt, actor=actor, period=period, day=day, by=by)).encode()
        name, media = f"assessment-{period}-{day.isoformat()}-{by}.csv", "text/csv; charset=utf-8"
    return secure(Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}))


@router.get("/assessment/bulletin")
def bulletin(request: Request, actor: StaffUser,
             month: Annotated[str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]):
    """The monthly bulletin as PDF in the page's language."""
    language = "zh_Hans" if locale_of(request).startswith("zh") else "en"
    pdf = assessment_export.bulletin_pdf(_rt(request), actor=actor, month=assessment_export.parse_month(month),
                                         lang=language)
    return secure(Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="bulletin-{month}-{language}.pdf"'}))


@router.get("/statistics")
def public_statistics(request: Request, year: Annotated[int | None, Query(ge=2000, le=2100)] = None):
    """Open to everyone: aggregates per district and month."""
    year = year or _rt(request).now().year
    return page(request, "assessment/statistics.html", rows=assessment.public_statistics(_rt(request), year=year),
                year=year)
