"""Test reports: computed verdicts, issuing renders a real PDF with Chinese text and a QR code,
the public page verifies a copy byte for byte and a tampered copy fails."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader, PdfWriter

from atelier.catalog.tests.factories import make_provider
from atelier.core.errors import ActionError, NotAllowed
from atelier.orgs.models import Membership
from atelier.orgs.tests.factories import make_org

from .. import actions
from ..models import TestItem, TestReport, Verdict

pytestmark = pytest.mark.django_db

DATA = {
    "client_name": "温州小童鞋业有限公司",
    "sample_name": "儿童运动鞋",
    "sample_count": 3,
    "received_on": date(2026, 11, 2),
    "tested_on": date(2026, 11, 5),
    "conclusion": "所检项目中邻苯二甲酸酯总量不符合要求。",
    "tester": "王敏",
    "checker": "陈立",
    "approver": "黄志远",
}
ITEMS = [
    {"name": "耐磨性能", "method": "GB/T 3903.2-2017", "unit": "mm", "limit_max": Decimal("10"),
     "result": Decimal("6.5")},
    {"name": "邻苯二甲酸酯总量", "method": "GB/T 22048-2022", "unit": "%",
     "limit_max": Decimal("0.1"), "result": Decimal("0.35")},
    {"name": "外观", "method": "目测", "result": None, "result_text": "无明显缺陷"},
]  # fmt: skip


def member(org):
    return Membership.objects.filter(organization=org).first().user


@pytest.fixture
def lab():
    return make_provider(name="中国鞋都鞋业检验检测服务中心")


def test_verdicts_follow_the_limits():
    item = TestItem(limit_min=Decimal("2"), limit_max=Decimal("5"), result=Decimal("5"))
    assert item.verdict == Verdict.PASS and item.limit_text() == "2 – 5"
    item.result = Decimal("5.0001")
    assert item.verdict == Verdict.FAIL
    item.result = Decimal("1.9")
    assert item.verdict == Verdict.FAIL
    assert TestItem(result=Decimal("3")).verdict == Verdict.NONE


def test_create_checks_membership_and_input(lab):
    outsider = make_org(verified=True)
    with pytest.raises(NotAllowed):
        actions.report_create(member(outsider), lab, DATA, ITEMS)
    with pytest.raises(ValidationError):
        actions.report_create(member(lab), lab, {**DATA, "tested_on": date(2026, 11, 1)}, ITEMS)
    with pytest.raises(ValidationError):
        actions.report_create(member(lab), lab, DATA, [])
    assert not TestReport.objects.exists()


def test_issue_renders_a_pdf_with_chinese_text_and_records_its_hash(lab):
    report = actions.report_create(member(lab), lab, DATA, ITEMS)
    assert report.passed is False
    actions.report_issue(member(lab), report)
    report.refresh_from_db()
    assert report.status == "issued" and len(report.sha256) == 64
    data = report.pdf.read()
    assert data.startswith(b"%PDF-") and actions.sha256(data) == report.sha256
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "检  测  报  告" in text and "邻苯二甲酸酯总量" in text and report.code in text
    assert "不合格" in text and "/reports/verify/" in text
    with pytest.raises(ActionError, match="草稿"):
        actions.report_issue(member(lab), report)  # issued once, frozen


def test_public_verification_accepts_the_original_and_rejects_a_tampered_copy(client, lab):
    report = actions.report_create(member(lab), lab, DATA, ITEMS)
    actions.report_issue(member(lab), report)
    report.refresh_from_db()
    original = report.pdf.read()
    url = reverse("reports:verify", args=[report.code])

    page = client.get(url).content.decode()
    assert report.code in page and report.sha256 in page and "当前有效" in page
    good = SimpleUploadedFile("r.pdf", original, content_type="application/pdf")
    assert "完全一致" in client.post(url, {"file": good}).content.decode()

    # Change one result in the PDF (a rewritten file, as an editing tool would save it).
    writer = PdfWriter(clone_from=io.BytesIO(original))
    writer.add_metadata({"/Subject": "edited"})
    buf = io.BytesIO()
    writer.write(buf)
    bad = SimpleUploadedFile("r.pdf", buf.getvalue(), content_type="application/pdf")
    assert "不一致" in client.post(url, {"file": bad}).content.decode()

    assert client.get(reverse("reports:verify", args=["WZ-FAKE-1"])).status_code == 404


def test_revoked_reports_say_so_and_drafts_are_not_public(client, lab):
    draft = actions.report_create(member(lab), lab, DATA, ITEMS)
    assert client.get(reverse("reports:verify", args=[draft.code])).status_code == 404
    actions.report_issue(member(lab), draft)
    with pytest.raises(ActionError, match="原因"):
        actions.report_revoke(member(lab), draft, reason=" ")
    actions.report_revoke(member(lab), draft, reason="样品信息录入错误")
    page = client.get(reverse("reports:verify", args=[draft.code])).content.decode()
    assert "已被出具机构撤销" in page


def test_pages_are_scoped(client, lab):
    report = actions.report_create(member(lab), lab, DATA, ITEMS)
    client.force_login(member(make_org(verified=True)))
    assert client.get(reverse("reports:detail", args=[report.pk])).status_code == 404
    client.force_login(member(lab))
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "签发报告" in page and "邻苯二甲酸酯总量" in page
    response = client.post(reverse("reports:event", args=[report.pk, "issue"]))
    assert response.status_code == 302
    assert client.get(reverse("reports:pdf", args=[report.pk]))["Content-Type"] == "application/pdf"
