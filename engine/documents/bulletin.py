"""The monthly assessment bulletin (考核通报) as HTML for the PDF renderer: the month's indicators per
department, the ranking, two charts drawn as SVG (vector in the PDF) and the blind spots. Figures in, text out:
nothing here reads the database or the clock."""
from __future__ import annotations

from typing import Any

from engine.documents import library
from engine.documents.render import LANGS
from engine.domain import InvalidDataError


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def bar_chart(rows: list[tuple[str, float | None]], width: int = 480) -> dict[str, Any]:
    """Horizontal bars of a rate per department (0..100 %)."""
    bars = [{"label": label[:18], "y": 22 * i + 4, "w": round((rate or 0) * (width - 200), 1), "text": _pct(rate)}
            for i, (label, rate) in enumerate(rows)]
    return {"width": width, "height": 22 * len(rows) + 8, "bars": bars}


def line_chart(points: list[tuple[str, int, int]], width: int = 480, height: int = 160) -> dict[str, Any]:
    """Reported and closed per month as two polylines scaled to the largest count."""
    top = max([1] + [max(r, c) for _, r, c in points])
    step = (width - 40) / max(len(points) - 1, 1)

    def line(values: list[int]) -> str:
        return " ".join(f"{30 + i * step:.1f},{height - 20 - v / top * (height - 40):.1f}" for i, v in enumerate(values))
    return {"width": width, "height": height, "top": top, "reported": line([p[1] for p in points]),
            "closed": line([p[2] for p in points]),
            "labels": [(round(30 + i * step, 1), p[0][5:]) for i, p in enumerate(points)]}


def render_bulletin_html(*, lang: str, month: str, agency_name: str, columns: tuple[tuple[str, str, str], ...],
                         result: dict[str, Any], ranking: list[dict[str, Any]], trend: list[tuple[str, int, int]],
                         blind_spots: list[dict[str, Any]], blind_days: int, issued_on: str) -> str:
    """The bulletin in Chinese (zh_Hans) or English, from the month's figures."""
    if lang not in LANGS:
        raise InvalidDataError.for_fields({"lang": f"one of {', '.join(LANGS)}"})
    zh = lang == "zh_Hans"

    def t(chinese: str, english: str) -> str:
        return chinese if zh else english

    # Dueflow's own template, rendered in the same sandbox as the procedures' documents
    return library.environment(None).get_template("bulletin.html").render(
        t=t, zh=zh, lang=lang, month=month, agency_name=agency_name, issued_on=issued_on, pct=_pct,
        columns=[(key, zh_name if zh else en_name) for key, zh_name, en_name in columns],
        result=result, ranking=ranking, blind_spots=blind_spots, blind_days=blind_days,
        bars=bar_chart([(r["group"] or "—", r["closure_rate"]) for r in ranking]), trend=line_chart(trend))
