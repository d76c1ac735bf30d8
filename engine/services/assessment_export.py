"""The assessment as an XLSX workbook (a sheet per grouping, Chinese and English headers) and as the printable
monthly bulletin (PDF through the document renderer): the same figures as the dashboard, never an amount."""
from __future__ import annotations

import io
from datetime import date
from typing import Any

from engine.domain import Actor, InvalidDataError, Role
from engine.services import access, assessment
from engine.services.runtime import Runtime

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# (key, Chinese, English): the header of every column, in the order of the dashboard.
COLUMNS = (("group", "分组", "Group"), ("reported", "上报数", "Reported"), ("filed", "立案数", "Filed"),
           ("dispatched", "派遣数", "Dispatched"), ("handled", "处置数", "Handled"), ("closed", "结案数", "Closed"),
           ("returned", "退回数", "Returned"), ("inspections", "巡查数", "Inspections"),
           ("inspector_reports", "巡查上报数", "Inspector reports"), ("closure_rate", "结案率", "Closure rate"),
           ("on_time_closure_rate", "按期结案率", "On-time closure rate"),
           ("on_time_handling_rate", "按期处置率", "On-time handling rate"), ("rework_rate", "返工率", "Rework rate"),
           ("accurate_dispatch_rate", "准确派遣率", "Accurate dispatch rate"), ("return_rate", "退回率", "Return rate"),
           ("avg_hours_without_department", "平均无责任部门时长（小时）", "Average hours without a department"),
           ("inspector_report_rate", "巡查上报率", "Inspector report rate"),
           ("verification_rate", "核查率", "Verification rate"))
SHEETS = {"department": ("按部门", "By department"), "grid": ("按网格", "By grid cell"),
          "street": ("按街道", "By street"), "person": ("按人员", "By person")}
PERCENT = {key for key, _, _ in COLUMNS if key.endswith("_rate")}


def parse_month(text: str) -> date:
    """The first day of a month given as YYYY-MM (1900 to 2200, as the periods), refused naming `month`."""
    try:
        year, month = (int(part) for part in text.split("-"))
        if not 1900 <= year <= 2200:
            raise ValueError
        return date(year, month, 1)
    except ValueError:
        raise InvalidDataError.for_fields({"month": "a month like 2026-03, from 1900 to 2200"}) from None


def groupings_for(actor: Actor) -> tuple[str, ...]:
    """A supervisor reads their own department only; the other readers every grouping."""
    return ("department",) if access.role_of(actor) == Role.SUPERVISOR else assessment.GROUPS


def to_xlsx(rt: Runtime, *, actor: Actor, period: str, day: date) -> bytes:
    """A workbook with a sheet per grouping: a bilingual header row, a row per group and the total."""
    from openpyxl import Workbook  # imported on use: only the export needs it
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for by in groupings_for(actor):
        result = assessment.assess(rt, actor=actor, period=period, day=day, by=by)
        zh, en = SHEETS[by]
        sheet = book.create_sheet(f"{zh} {en}"[:31])
        sheet.append([f"{c_zh}\n{c_en}" for _, c_zh, c_en in COLUMNS])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in [*result["groups"], dict(result["total"], group="合计 Total")]:
            sheet.append([row.get(key) if key != "group" else (row["group"] or "—") for key, _, _ in COLUMNS])
        for index, (key, _, _) in enumerate(COLUMNS, start=1):
            if key in PERCENT:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = "0.0%"
        sheet.freeze_panes = "B2"
        sheet.append([])
        sheet.append([f"{result['start']} — {result['end']} (UTC) · {period} {day.isoformat()}"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _months_back(first: date, n: int) -> list[date]:
    months, year, month = [], first.year, first.month
    for _ in range(n):
        months.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(months))


def ranked(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Departments by closure rate, then on-time closure rate, then name (a department with no rate is last)."""
    return sorted(groups, key=lambda g: (-(g["closure_rate"] or 0), -(g["on_time_closure_rate"] or 0), g["group"]))


def bulletin_pdf(rt: Runtime, *, actor: Actor, month: date, lang: str) -> bytes:
    """The printable monthly bulletin: indicators per department, ranking, charts of the closure rates and the
    last twelve months, and the cells that were blind spots at the month's end; Chinese or English."""
    from engine.documents.bulletin import render_bulletin_html
    from engine.documents.render import render_pdf
    from engine.services import grid

    first = month.replace(day=1)
    result = assessment.assess(rt, actor=actor, period="month", day=first, by="department")
    trend = []
    for m in _months_back(first, 12):
        total = assessment.assess(rt, actor=actor, period="month", day=m, by="department")["total"]
        trend.append((m.strftime("%Y-%m"), total["reported"], total["closed"]))
    _, end = assessment.period_bounds("month", first, rt.settings.timezone)
    blind = grid.blind_spots_at(rt, actor=actor, moment=min(end, rt.now()))
    s = rt.settings
    html = render_bulletin_html(
        lang=lang, month=first.strftime("%Y-%m"), agency_name=s.agency_name if lang == "zh_Hans" else
        s.agency_name_en or s.agency_name, columns=COLUMNS, result=result, ranking=ranked(result["groups"]),
        trend=trend, blind_spots=blind, blind_days=grid.BLIND_DAYS, issued_on=rt.now().date().isoformat())
    return render_pdf(html)
