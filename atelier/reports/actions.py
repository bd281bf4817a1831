"""Every write on test reports: drafts are edited by the lab's members; issuing renders the PDF,
records its SHA-256 and freezes the report; revoking needs a reason."""

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from atelier.core import audit
from atelier.core.errors import ActionError, NotAllowed
from atelier.core.workflow import Transition, Workflow
from atelier.orgs.models import Membership, Organization, OrgStatus

from . import pdf
from .models import ReportStatus, TestItem, TestReport

S = ReportStatus
REPORT_FLOW = Workflow(
    TestReport,
    [
        Transition("issue", (S.DRAFT,), S.ISSUED, "签发"),
        Transition("revoke", (S.ISSUED,), S.REVOKED, "撤销", requires_reason=True),
    ],
)
REPORT_FIELDS = [
    "client_name", "sample_name", "sample_description", "sample_count", "received_on",
    "tested_on", "conclusion", "tester", "checker", "approver",
]  # fmt: skip


def _lab_member(user, lab_id: int) -> bool:
    return bool(
        user and user.is_authenticated
        and Membership.objects.filter(user=user, organization_id=lab_id).exists()
    )  # fmt: skip


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _code(lab: Organization) -> str:
    return f"WZ{timezone.localdate():%Y%m}{lab.pk:04d}{secrets.token_hex(3).upper()}"


def report_create(actor, lab: Organization, data: dict, items: list[dict], *, client=None):
    if not _lab_member(actor, lab.pk):
        raise NotAllowed(_("只能以本机构名义出具检测报告。"))
    if lab.status != OrgStatus.VERIFIED:
        raise ActionError(_("机构通过认证后才能出具检测报告。"), code="lab_not_verified")
    if not items:
        raise ValidationError({"items": _("至少需要一个检测项目。")})
    report = TestReport(lab=lab, client=client, created_by=actor, code=_code(lab))
    for name in REPORT_FIELDS:
        if name in data:
            setattr(report, name, data[name])
    if not report.client_name and client is not None:
        report.client_name = client.name
    report.full_clean(exclude=["lab", "client", "created_by", "pdf", "sha256"])
    rows = []
    for i, values in enumerate(items):
        item = TestItem(position=i, **values)
        item.full_clean(exclude=["report"])
        rows.append(item)
    with transaction.atomic():
        report.save()
        for item in rows:
            item.report = report
        TestItem.objects.bulk_create(rows)
        audit.record(actor=actor, verb="report.create", obj=report)
    return report


def report_issue(actor, report: TestReport) -> TestReport:
    """Render, hash and freeze. The PDF is rendered before the transaction (it is slow), the
    state change and the stored file are one step."""
    if not _lab_member(actor, report.lab_id):
        raise NotAllowed(_("只有检测机构的成员可以签发报告。"))
    if report.status != S.DRAFT:
        raise ActionError(_("只有草稿可以签发。"), code="not_draft")
    data = pdf.render(report)
    digest = sha256(data)
    with transaction.atomic():
        report.pdf.save(f"{report.code}.pdf", ContentFile(data), save=False)
        REPORT_FLOW.apply(
            report, "issue", actor=actor,
            updates={"pdf": report.pdf.name, "sha256": digest, "issued_at": timezone.now()},
        )  # fmt: skip
    return report


def report_revoke(actor, report: TestReport, *, reason: str) -> TestReport:
    if not _lab_member(actor, report.lab_id):
        raise NotAllowed(_("只有检测机构的成员可以撤销报告。"))
    with transaction.atomic():
        REPORT_FLOW.apply(report, "revoke", actor=actor, reason=reason)
    return report


def verify(report: TestReport, data: bytes) -> bool:
    """Is `data` exactly the PDF that was issued?"""
    return bool(report.sha256) and sha256(data) == report.sha256
