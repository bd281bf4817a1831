"""The assessment report files of one plan, year and line (issue 7 item 3): a PDF for reading and
signing off (Noto CJK fonts, charts drawn here as inline SVG, no JS, nothing fetched) and an xlsx
with the score breakdown, the evidence list and the notes.

`assessment_data()` is the one read: the rows of `progress.plan_rows()` (frozen scores win once
the assessment is signed), the section subtotals, the approved reported values with their
evidence files and the annotations of computed indicators. `render_pdf()` and `render_xlsx()`
are pure functions of that dict. Every text cell of the workbook goes through `safe_cell()`, so
an indicator name or a note starting with "=" stays text.

The files are Chinese documents (like the test reports): their wording is not translated.
"""

from __future__ import annotations

import io
import math
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import mark_safe

from atelier.catalog.exporting import safe_cell

from . import progress
from .models import Assessment, Line, Plan, ReportedValue, ReportStatus, Source

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FONT = "'Noto Sans CJK SC', 'Noto Sans CJK', sans-serif"
NO_SECTION = "其他"
SOURCE_LABELS = {
    Source.COMPUTED: "平台自动计算",
    Source.REPORTED: "填报（附佐证）",
    Source.FORMULA: "公式计算",
}


# --- The data -----------------------------------------------------------------------------------


def assessment_data(plan: Plan, year: int, line: str, *, now: datetime | None = None) -> dict:
    """Everything both files show, as plain values (Decimals, strings, local datetimes)."""
    now = now or timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        line_label = str(Line(line).label)
        statuses = progress.plan_rows(plan, year, line=line, now=now)
        earned, possible = progress.line_total(statuses)
        assessment = (
            Assessment.objects.filter(plan=plan, year=year, line=line)
            .select_related("signed_by")
            .first()
        )
        signed = bool(assessment and assessment.is_signed)
        rows = [_row(n, s) for n, s in enumerate(statuses, start=1)]
    return {
        "plan": plan,
        "year": year,
        "line": line,
        "line_label": line_label,
        "title": f"{plan.complex_name} {year} 年度考核报告（{line_label}）",
        "basis": plan.source_note,
        "signed": signed,
        "status_label": "已签署" if signed else ("评估中" if assessment else "未开始评估"),
        "signed_by": assessment.signed_by.display_name if signed and assessment.signed_by else "",
        "signed_at": _local(assessment.signed_at) if signed else None,
        "comments": assessment.comments if assessment else "",
        "earned": earned,
        "possible": possible,
        "rows": rows,
        "sections": _sections(rows),
        "evidence": _evidence(plan, year, line, statuses),
        "annotations": _annotations(statuses),
        "generated_at": _local(now),
    }


def _local(value: datetime | None) -> datetime | None:
    return timezone.localtime(value) if value else None


def _row(number: int, status: progress.RowStatus) -> dict:
    row, indicator, score = status.row, status.indicator, status.score
    adjusted = score.adjusted if score is not None else None
    return {
        "no": number,
        "section": row.section or NO_SECTION,
        "code": indicator.code,
        "name": indicator.name,
        "unit": indicator.unit,
        "decimals": indicator.decimals,
        "source": SOURCE_LABELS.get(indicator.source, indicator.source),
        "description": indicator.description,
        "responsible_unit": row.responsible_unit,
        "weight": Decimal(row.weight),
        "target": status.target,
        "actual": status.actual,
        "completion": status.completion,
        "rule_text": status.rule_text,
        "points": status.points,
        "adjusted": adjusted,
        "adjust_reason": score.adjust_reason if adjusted is not None else "",
        "comment": score.comment if score is not None else "",
        "final_points": status.final_points,
        "frozen": status.frozen,
    }


def _sections(rows: list[dict]) -> list[dict]:
    sections: dict[str, dict] = {}
    for row in rows:
        entry = sections.setdefault(
            row["section"],
            {"name": row["section"], "earned": Decimal("0.00"), "weight": Decimal("0.00"), "n": 0},
        )
        entry["earned"] += row["final_points"]
        entry["weight"] += row["weight"]
        entry["n"] += 1
    return list(sections.values())


def _evidence(plan: Plan, year: int, line: str, statuses) -> list[dict]:
    """Approved reported values of the line and year, oldest first, with their files; `used`
    marks the value the assessment counts (the latest approved one of its indicator)."""
    used = {s.report.pk for s in statuses if s.report is not None and not s.frozen}
    frozen_actuals = {s.row.pk: s.actual for s in statuses if s.frozen}
    reports = (
        ReportedValue.objects.filter(
            row__plan=plan, row__line=line, year=year, status=ReportStatus.APPROVED
        )
        .select_related("row__indicator", "submitted_by", "reviewed_by")
        .prefetch_related("evidence")
        .order_by("row__position", "row_id", "as_of", "reviewed_at", "id")
    )
    result = []
    for report in reports:
        indicator = report.row.indicator
        if report.row_id in frozen_actuals:
            counted = frozen_actuals[report.row_id] == report.value
        else:
            counted = report.pk in used
        result.append(
            {
                "indicator": indicator.name,
                "unit": indicator.unit,
                "decimals": indicator.decimals,
                "value": report.value,
                "as_of": report.as_of,
                "note": report.note,
                "submitted_by": report.submitted_by.display_name,
                "submitted_at": _local(report.submitted_at),
                "reviewed_by": report.reviewed_by.display_name if report.reviewed_by else "",
                "reviewed_at": _local(report.reviewed_at),
                "counted": counted,
                "files": [
                    {
                        "name": e.name,
                        "kind": e.kind,
                        "size": e.size,
                        "sha256": e.sha256,
                        "sha256_short": e.sha256[:12],
                    }
                    for e in report.evidence.all()
                ],
            }
        )
    return result


def _annotations(statuses) -> list[dict]:
    return [
        {
            "indicator": status.indicator.name,
            "text": note.text,
            "author": note.author.display_name,
            "created_at": _local(note.created_at),
        }
        for status in statuses
        for note in status.annotations
    ]


# --- Formatting ---------------------------------------------------------------------------------


def fmt_number(value, decimals: int = 2) -> str:
    if value is None:
        return "—"
    quantum = Decimal(1).scaleb(-int(decimals))
    return f"{Decimal(value).quantize(quantum, ROUND_HALF_UP):,f}"


def fmt_points(value) -> str:
    return fmt_number(value, 2)


def fmt_percent(ratio) -> str:
    if ratio is None:
        return "—"
    return f"{(Decimal(ratio) * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def fmt_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def fmt_datetime(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def completion_tone(ratio) -> str:
    if ratio is None:
        return "none"
    if ratio >= 1:
        return "good"
    return "fair" if ratio >= progress.AT_RISK_SHARE else "poor"


TONES = {"good": "#2f6f4f", "fair": "#c8881a", "poor": "#b03a2e", "none": "#9aa0a6"}


# --- Charts (inline SVG, drawn here: a PDF runs no JS) -------------------------------------------


def _text(x, y, text, *, size=11, anchor="start", fill="#1f2937", weight="normal") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{fill}" font-weight="{weight}">{escape(text)}</text>'
    )


def _clip_label(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def completion_chart(rows: list[dict]) -> str:
    """Horizontal bars: completion % of each indicator, with the 100 % target line."""
    width, left, right_pad = 680, 196, 62
    row_h, bar_h, top = 24, 13, 26
    plot = width - left - right_pad
    ratios = [float(r["completion"]) for r in rows if r["completion"] is not None]
    scale = max(1.2, math.ceil(max(ratios, default=0) * 5 - 1e-9) / 5)
    scale = min(scale, 2.0)
    height = top + row_h * max(len(rows), 1) + 34

    def x_of(ratio: float) -> float:
        return left + plot * min(ratio, scale) / scale

    parts = []
    step = 0.2 if scale <= 1.6 else 0.4
    ticks = [i * step for i in range(int(round(scale / step)) + 1)]
    bottom = top + row_h * max(len(rows), 1)
    for tick in ticks:
        x = x_of(tick)
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{bottom}" '
            f'stroke="#e3e6ea" stroke-width="0.8"/>'
        )
        parts.append(_text(x, top - 8, f"{tick * 100:.0f}%", size=9.5, anchor="middle",
                           fill="#6b7280"))  # fmt: skip
    labels = []  # drawn last, on a white ground, so that the target line never crosses them
    for i, row in enumerate(rows):
        y = top + i * row_h
        mid = y + row_h / 2
        label = _clip_label(f"{row['name']}", 15)
        parts.append(_text(left - 8, mid + 4, label, size=10.5, anchor="end"))
        ratio = row["completion"]
        if ratio is None:
            missing = (
                "未设目标"
                if row.get("target") is None and row.get("actual") is not None
                else "暂无数据"
            )
            labels.append((left + 4, mid, missing, "#6b7280"))
            continue
        value = float(ratio)
        x_end = x_of(value)
        colour = TONES[completion_tone(ratio)]
        parts.append(
            f'<rect x="{left}" y="{mid - bar_h / 2:.1f}" width="{max(x_end - left, 0.8):.1f}" '
            f'height="{bar_h}" fill="{colour}"/>'
        )
        if value > scale:  # beyond the axis: a small break mark at the end of the bar
            parts.append(
                f'<path d="M{x_end - 9:.1f} {mid - bar_h / 2 - 2:.1f} l4 {bar_h + 4} '
                f'M{x_end - 5:.1f} {mid - bar_h / 2 - 2:.1f} l4 {bar_h + 4}" '
                f'stroke="#ffffff" stroke-width="1.6"/>'
            )
        labels.append((x_end + 3, mid, fmt_percent(ratio), "#1f2937"))
    target_x = x_of(1.0)
    parts.append(
        f'<line x1="{target_x:.1f}" y1="{top - 4}" x2="{target_x:.1f}" y2="{bottom + 2}" '
        f'stroke="#b03a2e" stroke-width="1.4" stroke-dasharray="4 3"/>'
    )
    for x, mid, text, fill in labels:
        text_w = sum(10 if ord(c) > 0x2E7F else 5.6 for c in text)
        parts.append(
            f'<rect x="{x:.1f}" y="{mid - 7:.1f}" width="{text_w + 4:.1f}" height="14" '
            f'fill="#ffffff" fill-opacity="0.9"/>'
        )
        parts.append(_text(x + 2, mid + 4, text, size=10, fill=fill))
    parts.append(f'<line x1="{left}" y1="{top - 4}" x2="{left}" y2="{bottom}" '
                 f'stroke="#6b7280" stroke-width="1"/>')  # fmt: skip
    parts.append(_legend(bottom + 22, left))
    return _svg(width, height, parts, "各项指标完成率")


def _legend(y: float, x: float) -> str:
    items = [("good", "达到目标（≥100%）"), ("fair", "接近目标（90%–100%）"),
             ("poor", "低于 90%")]  # fmt: skip
    parts = []
    for tone, label in items:
        parts.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" '
                     f'fill="{TONES[tone]}"/>')  # fmt: skip
        parts.append(_text(x + 14, y, label, size=9.5, fill="#374151"))
        x += 24 + 10.5 * len(label) * 0.82
    parts.append(
        f'<line x1="{x:.1f}" y1="{y - 4:.1f}" x2="{x + 18:.1f}" y2="{y - 4:.1f}" '
        f'stroke="#b03a2e" stroke-width="1.4" stroke-dasharray="4 3"/>'
    )
    parts.append(_text(x + 22, y, "目标线 100%", size=9.5, fill="#374151"))
    return "".join(parts)


def section_chart(sections: list[dict]) -> str:
    """Points earned (dark) against the section's weight (light) per section."""
    width, left, right_pad = 680, 196, 96
    row_h, bar_h, top = 28, 15, 8
    plot = width - left - right_pad
    most = max((float(s["weight"]) for s in sections), default=0) or 1
    height = top + row_h * max(len(sections), 1) + 30
    parts = []
    for i, section in enumerate(sections):
        y = top + i * row_h
        mid = y + row_h / 2
        full = plot * float(section["weight"]) / most
        got = plot * float(min(section["earned"], section["weight"])) / most
        parts.append(_text(left - 8, mid + 4, _clip_label(section["name"], 15), size=10.5,
                           anchor="end"))  # fmt: skip
        parts.append(
            f'<rect x="{left}" y="{mid - bar_h / 2:.1f}" width="{max(full, 0.8):.1f}" '
            f'height="{bar_h}" fill="#dbe3ef" stroke="#9fb0c8" stroke-width="0.6"/>'
        )
        if got > 0:
            parts.append(
                f'<rect x="{left}" y="{mid - bar_h / 2:.1f}" width="{got:.1f}" '
                f'height="{bar_h}" fill="#1f4e79"/>'
            )
        label = f"{fmt_points(section['earned'])} / {fmt_number(section['weight'], 0)} 分"
        parts.append(_text(left + full + 6, mid + 4, label, size=10))
    y = top + row_h * max(len(sections), 1) + 20
    parts.append(f'<rect x="{left}" y="{y - 9}" width="10" height="10" fill="#1f4e79"/>')
    parts.append(_text(left + 14, y, "得分", size=9.5, fill="#374151"))
    parts.append(f'<rect x="{left + 60}" y="{y - 9}" width="10" height="10" fill="#dbe3ef" '
                 f'stroke="#9fb0c8" stroke-width="0.6"/>')  # fmt: skip
    parts.append(_text(left + 74, y, "分值（满分）", size=9.5, fill="#374151"))
    return _svg(width, height, parts, "分类得分与分值")


def _svg(width: int, height: float, parts: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height:.0f}" '
        f'width="{width}" height="{height:.0f}" font-family="{FONT}" role="img">'
        f"<title>{escape(title)}</title>{''.join(parts)}</svg>"
    )


# --- PDF ----------------------------------------------------------------------------------------


def pdf_context(data: dict) -> dict:
    rows = []
    previous = None
    for row in data["rows"]:
        span = 0
        if row["section"] != previous:
            span = sum(1 for r in data["rows"] if r["section"] == row["section"])
            previous = row["section"]
        rows.append(
            {
                **row,
                "section_span": span,
                "rule_lines": _rule_lines(row["rule_text"]),
                "weight_text": fmt_number(row["weight"], 0 if row["weight"] % 1 == 0 else 2),
                "target_text": fmt_number(row["target"], row["decimals"]),
                "actual_text": fmt_number(row["actual"], row["decimals"]),
                "completion_text": fmt_percent(row["completion"]),
                "tone": completion_tone(row["completion"]),
                "points_text": fmt_points(row["points"]),
                "adjusted_text": fmt_points(row["adjusted"]) if row["adjusted"] is not None else "",
                "final_text": fmt_points(row["final_points"]),
            }
        )
    evidence = [
        {
            **e,
            "value_text": fmt_number(e["value"], e["decimals"]),
            "files": [{**f, "size_text": fmt_size(f["size"])} for f in e["files"]],
            "submitted_text": fmt_datetime(e["submitted_at"]),
            "reviewed_text": fmt_datetime(e["reviewed_at"]),
        }
        for e in data["evidence"]
    ]
    annotations = [
        {**a, "created_text": fmt_datetime(a["created_at"])} for a in data["annotations"]
    ]
    measured = [r for r in data["rows"] if r["completion"] is not None]
    reached = sum(1 for r in measured if r["completion"] >= 1)
    possible = data["possible"]
    share = data["earned"] / possible if possible else None
    return {
        **data,
        "rows": rows,
        "evidence": evidence,
        "annotations": annotations,
        "earned_text": fmt_points(data["earned"]),
        "possible_text": fmt_number(possible, 0 if possible % 1 == 0 else 2),
        "share_text": fmt_percent(share),
        "reached": reached,
        "missing": len(data["rows"]) - len(measured),
        "points_total_text": fmt_points(sum((r["points"] for r in data["rows"]), Decimal(0))),
        "file_count": sum(len(e["files"]) for e in data["evidence"]),
        "signed_at_text": fmt_datetime(data["signed_at"]),
        "generated_text": fmt_datetime(data["generated_at"]),
        "completion_chart": mark_safe(completion_chart(data["rows"])),  # noqa: S308 - escaped above
        "section_chart": mark_safe(section_chart(data["sections"])),  # noqa: S308 - escaped above
    }


def _rule_lines(text: str) -> list[str]:
    """A threshold rule one band a line: "完成率≥100% 得 10 分；完成率≥95% 得 8 分；…"."""
    parts = text.split("；")
    return [p + "；" for p in parts[:-1]] + parts[-1:]


def render_html(data: dict) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string("kpi/assessment_pdf.html", pdf_context(data))


def render_pdf(data: dict) -> bytes:
    from weasyprint import HTML

    return HTML(string=render_html(data), base_url=None).write_pdf()


# --- xlsx ---------------------------------------------------------------------------------------

SCORE_COLUMNS = [  # header, width, key
    ("序号", 6, "no"),
    ("类别", 10, "section"),
    ("指标", 26, "name"),
    ("单位", 8, "unit"),
    ("牵头单位", 16, "responsible_unit"),
    ("分值", 8, "weight"),
    ("目标值", 12, "target"),
    ("实际值", 12, "actual"),
    ("完成率", 10, "completion"),
    ("计分规则", 40, "rule_text"),
    ("规则得分", 10, "points"),
    ("调整后得分", 11, "adjusted"),
    ("调整理由", 24, "adjust_reason"),
    ("最终得分", 10, "final_points"),
    ("评语", 36, "comment"),
]
EVIDENCE_COLUMNS = [
    ("序号", 6),
    ("指标", 24),
    ("填报值", 12),
    ("单位", 8),
    ("数据截至", 12),
    ("是否计入", 9),
    ("填报说明", 30),
    ("填报人", 12),
    ("填报时间", 17),
    ("审核人", 12),
    ("审核时间", 17),
    ("佐证文件", 30),
    ("类型", 7),
    ("大小（字节）", 12),
    ("SHA-256", 68),
]
NOTE_COLUMNS = [("序号", 6), ("指标", 24), ("说明", 60), ("说明人", 12), ("时间", 17)]


def _number_format(decimals: int) -> str:
    return "#,##0" if not decimals else "#,##0." + "0" * int(decimals)


def _naive(value: datetime | None):
    return value.replace(tzinfo=None, microsecond=0) if value else None


def render_xlsx(data: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    total_fill = PatternFill("solid", fgColor="F2F2F2")
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    thin = Side(style="thin", color="BFBFBF")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)

    def header(ws, columns, row=1):
        for col, (title, width, *_rest) in enumerate(columns, start=1):
            cell = ws.cell(row=row, column=col, value=safe_cell(title))
            cell.font, cell.fill, cell.border = bold, head_fill, box
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            if row == 1:
                ws.column_dimensions[cell.column_letter].width = width

    def put(ws, row, col, value, number_format=None, align=None):
        cell = ws.cell(row=row, column=col, value=safe_cell(value))
        cell.border = box
        cell.alignment = align or (wrap if isinstance(value, str) else top)
        if number_format:
            cell.number_format = number_format
        return cell

    wb = Workbook()
    ws = wb.active
    ws.title = "评分明细"
    header(ws, SCORE_COLUMNS)
    ws.freeze_panes = "A2"
    points_format = "0.00"
    line = 1
    for row in data["rows"]:
        line += 1
        value_format = _number_format(row["decimals"])
        formats = {
            "target": value_format,
            "actual": value_format,
            "completion": "0.0%",
            "points": points_format,
            "adjusted": points_format,
            "final_points": points_format,
        }
        for col, (_title, _width, key) in enumerate(SCORE_COLUMNS, start=1):
            put(ws, line, col, row[key], formats.get(key))
    line += 1
    total_cols = {c[2]: i for i, c in enumerate(SCORE_COLUMNS, start=1)}
    for col in range(1, len(SCORE_COLUMNS) + 1):
        put(ws, line, col, None).fill = total_fill
    put(ws, line, total_cols["name"], "合计").font = bold
    put(ws, line, total_cols["weight"], data["possible"]).font = bold
    points_total = sum((r["points"] for r in data["rows"]), Decimal("0.00"))
    put(ws, line, total_cols["points"], points_total, points_format).font = bold
    put(ws, line, total_cols["final_points"], data["earned"], points_format).font = bold
    ws.auto_filter.ref = f"A1:{ws.cell(row=1, column=len(SCORE_COLUMNS)).column_letter}1"
    ws.print_options.gridLines = False
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.print_title_rows = "1:1"

    ws = wb.create_sheet("佐证材料")
    header(ws, EVIDENCE_COLUMNS)
    ws.freeze_panes = "A2"
    line, number = 1, 0
    for report in data["evidence"]:
        number += 1
        files = report["files"] or [None]
        for evidence in files:
            line += 1
            values = [
                number,
                report["indicator"],
                report["value"],
                report["unit"],
                report["as_of"],
                "是" if report["counted"] else "否",
                report["note"],
                report["submitted_by"],
                _naive(report["submitted_at"]),
                report["reviewed_by"],
                _naive(report["reviewed_at"]),
                evidence["name"] if evidence else "",
                evidence["kind"] if evidence else "",
                evidence["size"] if evidence else None,
                evidence["sha256"] if evidence else "",
            ]
            formats = {
                3: _number_format(report["decimals"]),
                5: "yyyy-mm-dd",
                9: "yyyy-mm-dd hh:mm",
                11: "yyyy-mm-dd hh:mm",
                14: "#,##0",
            }
            for col, value in enumerate(values, start=1):
                put(ws, line, col, value, formats.get(col))
    if not data["evidence"]:
        line += 1
        put(ws, line, 1, "本条线本年度没有已采纳的填报值。")
    if data["annotations"]:
        line += 2
        ws.cell(row=line, column=1, value="自动计算指标的说明").font = bold
        line += 1
        header(ws, NOTE_COLUMNS, row=line)
        for n, note in enumerate(data["annotations"], start=1):
            line += 1
            values = [n, note["indicator"], note["text"], note["author"],
                      _naive(note["created_at"])]  # fmt: skip
            for col, value in enumerate(values, start=1):
                put(ws, line, col, value, "yyyy-mm-dd hh:mm" if col == 5 else None)

    ws = wb.create_sheet("说明")
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 90
    ws.column_dimensions["C"].width = 16
    ws.column_dimensions["D"].width = 40
    plan = data["plan"]
    facts = [
        ("报告", data["title"]),
        ("考核方案", f"{plan.name}（{plan.start_year}–{plan.end_year}）"),
        ("综合体", plan.complex_name),
        ("考核年度", data["year"]),
        ("考核条线", data["line_label"]),
        ("方案依据", data["basis"] or "—"),
        ("考核状态", data["status_label"]),
        ("签署人", data["signed_by"] or "未签署"),
        ("签署时间", _naive(data["signed_at"]) or "未签署"),
        ("总分", data["earned"]),
        ("满分", data["possible"]),
        ("总体评价", data["comments"] or "（暂无）"),
        ("生成时间", _naive(data["generated_at"])),
    ]
    if not data["signed"]:
        facts.insert(0, ("注意", "草稿：尚未签署。数据为生成时的实时值，签署后冻结。"))
    line = 0
    for label, value in facts:
        line += 1
        put(ws, line, 1, label).font = bold
        cell = put(ws, line, 2, value)
        if isinstance(value, datetime):
            cell.number_format = "yyyy-mm-dd hh:mm"
        elif isinstance(value, Decimal):
            cell.number_format = points_format
            cell.alignment = Alignment(horizontal="left", vertical="top")
    line += 2
    put(ws, line, 1, "计分规则").font = bold
    line += 1
    header(ws, [("指标", 0), ("计分规则", 0), ("数据来源", 0), ("口径说明", 0)], row=line)
    for row in data["rows"]:
        line += 1
        for col, value in enumerate(
            [row["name"], row["rule_text"], row["source"], row["description"]], start=1
        ):
            put(ws, line, col, value)

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
