"""The assessment report files: real PDFs (pypdf) and workbooks (openpyxl) read back, and the
two download views. One PDF render per test at most (WeasyPrint takes about a second)."""

import io
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user

from .. import actions, progress, report_files
from ..models import Line, RuleKind, Source
from .factories import operator, pdf, reviewer, simple_plan

pytestmark = pytest.mark.django_db
THIS = timezone.localdate().year
EVIL = '=HYPERLINK("http://example.invalid/x","点我")'


def _plan(**kw):
    kw.setdefault("start_year", THIS - 1)
    kw.setdefault("end_year", THIS)
    return simple_plan(**kw)


def _row(plan, code):
    return plan.rows.get(indicator__code=code)


def _approved(plan, boss, *, code="market_share", value="17", note="", name="统计年报.pdf"):
    report = actions.report_value(
        actor=operator(),
        row=_row(plan, code),
        year=THIS,
        value=value,
        note=note,
        pledge=True,
        files=[pdf(name)],
    )
    actions.review_report(actor=boss, report=report, approve=True)
    return report


def _signed(plan, boss, **report_kw):
    """Government line of THIS year: one approved value (17 of 34), an adjusted score, signed."""
    report = _approved(plan, boss, **report_kw)
    assessment = actions.assessment_for(plan, THIS, Line.GOVERNMENT)
    actions.score_update(
        actor=boss,
        assessment=assessment,
        row=_row(plan, "market_share"),
        adjusted="6",
        adjust_reason="协会抽样口径偏低",
        comment="数据来源为行业协会抽样",
    )
    actions.sign_assessment(actor=boss, assessment=assessment, comments="基本完成年度目标")
    return report, assessment


def _pdf_text_and_fonts(data: bytes) -> tuple[str, set[str]]:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    return text, fonts


def _no_formulas(wb) -> None:
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)


class TestData:
    def test_rows_totals_and_evidence_come_from_plan_rows(self):
        plan = _plan()
        boss = reviewer()
        report = _approved(plan, boss, value="30.5")
        note = actions.annotate(
            actor=operator(), row=_row(plan, "enterprises_served"), year=THIS, text="12 月补录"
        )
        data = report_files.assessment_data(plan, THIS, Line.GOVERNMENT)
        statuses = progress.plan_rows(plan, THIS, line=Line.GOVERNMENT)
        assert [r["code"] for r in data["rows"]] == [s.indicator.code for s in statuses]
        assert [r["final_points"] for r in data["rows"]] == [s.final_points for s in statuses]
        assert (data["earned"], data["possible"]) == progress.line_total(statuses)
        assert data["rows"][0]["actual"] == Decimal("30.5")
        assert not data["signed"] and data["status_label"] == "未开始评估"
        assert data["title"] == f"{plan.complex_name} {THIS} 年度考核报告（政府牵头单位）"
        [entry] = data["evidence"]
        assert entry["value"] == Decimal("30.5") and entry["counted"]
        assert entry["files"][0]["sha256"] == report.evidence.get().sha256
        assert data["annotations"] == []  # the annotated indicator is on the operator line
        other = report_files.assessment_data(plan, THIS, Line.OPERATOR)
        assert other["evidence"] == [] and other["annotations"][0]["text"] == note.text

    def test_charts_escape_names_and_draw_the_target_line(self):
        rows = [
            {"name": "<b>指标</b>", "completion": Decimal("2.5")},
            {"name": "没有数据", "completion": None},
        ]
        svg = report_files.completion_chart(rows)
        assert "<b>" not in svg and "&lt;b&gt;" in svg
        assert "250.0%" in svg and "暂无数据" in svg and "stroke-dasharray" in svg
        sections = [{"name": "产业发展", "earned": Decimal("6"), "weight": Decimal("10")}]
        assert "6.00 / 10 分" in report_files.section_chart(sections)


class TestPdf:
    def test_an_unsigned_report_is_marked_as_a_draft(self):
        plan = _plan()
        _approved(plan, reviewer(), value="17")
        data = report_files.assessment_data(plan, THIS, Line.GOVERNMENT)
        content = report_files.render_pdf(data)
        assert content.startswith(b"%PDF-")
        text, fonts = _pdf_text_and_fonts(content)
        assert plan.name in text and plan.complex_name in text
        assert "未签署" in text and "草稿" in text
        assert "5.00" in text and "政府牵头单位" in text  # 10 × 17/34
        assert "统计年报.pdf" in text and "第 1 页 共" in text
        assert any("Noto" in f and "CJK" in f for f in fonts), fonts

    def test_a_signed_report_names_the_signer_and_the_adjustment(self):
        plan = _plan()
        boss = reviewer()
        _signed(plan, boss)
        data = report_files.assessment_data(plan, THIS, Line.GOVERNMENT)
        assert data["signed"] and data["earned"] == Decimal("6.00")
        text, _fonts = _pdf_text_and_fonts(report_files.render_pdf(data))
        assert boss.display_name in text and "未签署" not in text and "草稿" not in text
        flat = "".join(text.split())  # table cells wrap
        assert "6.00" in flat and "协会抽样口径偏低" in flat and "基本完成年度目标" in flat


class TestXlsx:
    def test_sheets_match_plan_rows_and_list_the_evidence(self):
        plan = _plan()
        boss = reviewer()
        report, _assessment = _signed(plan, boss, name="市场占有率测算.pdf")
        data = report_files.assessment_data(plan, THIS, Line.GOVERNMENT)
        wb = load_workbook(io.BytesIO(report_files.render_xlsx(data)))
        assert wb.sheetnames == ["评分明细", "佐证材料", "说明"]

        ws = wb["评分明细"]
        assert ws.freeze_panes == "A2"
        header = [c.value for c in ws[1]]
        assert header[:3] == ["序号", "类别", "指标"] and "最终得分" in header
        col = {name: i for i, name in enumerate(header)}
        rows = list(ws.iter_rows(min_row=2, values_only=True))
        statuses = progress.plan_rows(plan, THIS, line=Line.GOVERNMENT)
        assert len(rows) == len(statuses) + 1  # and the total row
        first = rows[0]
        assert first[col["指标"]] == "国内市场占有率"
        assert first[col["目标值"]] == 34 and first[col["实际值"]] == 17
        assert first[col["完成率"]] == pytest.approx(0.5)
        assert first[col["规则得分"]] == 5 and first[col["调整后得分"]] == 6
        assert first[col["调整理由"]] == "协会抽样口径偏低"
        assert ws.cell(row=2, column=col["完成率"] + 1).number_format == "0.0%"
        total = rows[-1]
        earned, possible = progress.line_total(statuses)
        assert total[col["指标"]] == "合计"
        assert total[col["最终得分"]] == float(earned) and total[col["分值"]] == float(possible)

        ws = wb["佐证材料"]
        evidence = report.evidence.get()
        values = [c for row in ws.iter_rows(min_row=2, values_only=True) for c in row]
        assert "市场占有率测算.pdf" in values and evidence.sha256 in values

        ws = wb["说明"]
        facts = {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r[0]}
        assert facts["签署人"] == boss.display_name and facts["考核状态"] == "已签署"
        assert facts["方案依据"] == "—"  # a custom plan without a basis
        _no_formulas(wb)

    def test_formula_like_text_stays_text(self):
        actions.define_indicator(
            actor=operator(), code="evil_name", name="=1+2 指标", unit="项", source=Source.REPORTED
        )
        plan = _plan(
            rows=[("evil_name", Line.GOVERNMENT, 10, RuleKind.LINEAR, {THIS - 1: 5, THIS: 5})]
        )
        boss = reviewer()
        _approved(plan, boss, code="evil_name", value="4", note=EVIL)
        assessment = actions.assessment_for(plan, THIS, Line.GOVERNMENT)
        actions.score_update(
            actor=boss, assessment=assessment, row=_row(plan, "evil_name"), comment="@SUM(A1)"
        )
        actions.comment_assessment(actor=boss, assessment=assessment, comments="+CMD|' /C calc'!A0")
        data = report_files.assessment_data(plan, THIS, Line.GOVERNMENT)
        wb = load_workbook(io.BytesIO(report_files.render_xlsx(data)))
        _no_formulas(wb)
        texts = {c for ws in wb for row in ws.iter_rows(values_only=True) for c in row}
        assert "'=1+2 指标" in texts and "'" + EVIL in texts
        assert "'@SUM(A1)" in texts and "'+CMD|' /C calc'!A0" in texts
        assert "草稿：尚未签署。数据为生成时的实时值，签署后冻结。" in texts


class TestViews:
    def _url(self, name, plan, year=THIS, line=Line.GOVERNMENT):
        return reverse(f"kpi:{name}", args=[plan.pk, year, line])

    def test_an_operator_downloads_the_pdf(self, client):
        plan = _plan()
        client.force_login(operator())
        response = client.get(self._url("assessment_pdf", plan))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
        name = quote(f"考核报告-{plan.pk}-{THIS}-government.pdf")
        assert f"filename*=UTF-8''{name}" in response["Content-Disposition"]
        assert response["Content-Disposition"].startswith("inline;")

    def test_the_xlsx_is_an_attachment_for_every_viewer_role(self, client):
        plan = _plan()
        for role in (Role.AUDITOR, Role.FINANCE):
            client.force_login(make_user(role))
            response = client.get(self._url("assessment_xlsx", plan, line=Line.OPERATOR))
            assert response.status_code == 200
            assert response["Content-Type"] == report_files.XLSX_TYPE
            assert response["Content-Disposition"].startswith("attachment;")
            assert "filename*=UTF-8''" in response["Content-Disposition"]
            load_workbook(io.BytesIO(response.content))

    def test_members_are_refused_with_a_reason_and_strangers_sent_to_log_in(self, client):
        plan = _plan()
        url = self._url("assessment_xlsx", plan)
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]
        client.force_login(make_user(Role.MEMBER))
        for name in ("assessment_xlsx", "assessment_pdf"):
            response = client.get(self._url(name, plan))
            assert response.status_code == 403
            assert "考核报告仅向" in response.content.decode()

    def test_unknown_plans_lines_and_years_are_404(self, client):
        plan = _plan()
        client.force_login(operator())
        assert client.get(self._url("assessment_xlsx", plan, line="nobody")).status_code == 404
        assert client.get(self._url("assessment_pdf", plan, line="nobody")).status_code == 404
        assert client.get(self._url("assessment_xlsx", plan, year=THIS - 5)).status_code == 404
        plan.pk += 1000
        assert client.get(self._url("assessment_xlsx", plan)).status_code == 404

    def test_post_is_not_allowed(self, client):
        plan = _plan()
        client.force_login(operator())
        assert client.post(self._url("assessment_xlsx", plan)).status_code == 405
