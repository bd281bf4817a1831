"""Factories for the voucher tests; everything goes through the real actions."""

import io
import itertools
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pypdf import PdfWriter

from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user
from atelier.catalog.tests.factories import make_provider
from atelier.core.models import District
from atelier.orgs.models import Membership, OrgKind
from atelier.orgs.tests.factories import make_org

from .. import actions

_seq = itertools.count(1)

# 玉环 2023: ≤ ¥10,000 paid 100%, the part above 50%; ¥20,000 a draw; ¥50,000 held; ¥100,000 a year.
YUHUAN_RULES = {
    "per_draw_cap_fen": 2_000_000,
    "holding_cap_fen": 5_000_000,
    "yearly_cap_fen": 10_000_000,
    "bands": [[1_000_000, 100], [None, 50]],
    "validity_days": 90,
    "redeem_days": 60,
    "notice_days": 5,
}


def operator():
    return make_user(Role.OPERATOR)


def reviewer(district="330302"):
    return make_user(Role.REVIEWER, district=district)


def finance():
    return make_user(Role.FINANCE)


def member_of(org):
    return Membership.objects.filter(organization=org).select_related("user").first().user


def make_programme(*, district="330302", budget="1000000", rules=None, **fields):
    n = next(_seq)
    today = timezone.localdate()
    fields.setdefault("name", f"鹿城区 {today.year} 年第 {n} 批科技创新券")
    fields.setdefault("authority", "温州市鹿城区科学技术局")
    fields.setdefault("year", today.year)
    fields.setdefault("batch", n)
    fields.setdefault("opens_on", today - timedelta(days=10))
    fields.setdefault("closes_on", today + timedelta(days=60))
    fields.setdefault("status", "open")
    op = operator()
    programme = actions.programme_create(
        op,
        budget_yuan=budget,
        district=District.objects.get(pk=district) if district else None,
        **fields,
    )
    actions.rules_publish(op, programme, dict(rules or YUHUAN_RULES))
    return programme


def make_enterprise(district="330302", **kw):
    return make_org(kind=OrgKind.ENTERPRISE, district=district, verified=True, **kw)


def enrolled_provider(programme, **kw):
    provider = make_provider(**kw)
    enrolment = actions.enrol(member_of(provider), programme, provider)
    actions.enrolment_decide(operator(), enrolment, accept=True)
    return provider


def issued_voucher(programme, enterprise=None, amount="20000"):
    enterprise = enterprise or make_enterprise(programme.district_id or "330302")
    application = actions.apply(
        member_of(enterprise), programme, enterprise, amount=amount, purpose="鞋类检测与设计服务"
    )
    return actions.application_approve(reviewer(programme.district_id or "330302"), application)


def documents(tag: str = ""):
    """Four distinct, valid PDFs (contract, invoice, payment proof, report)."""
    out = {}
    for kind in ("contract", "invoice", "payment", "report"):
        writer = PdfWriter()
        writer.add_blank_page(200, 200)
        writer.add_metadata({"/Title": f"{kind}{tag}-{next(_seq)}"})
        buf = io.BytesIO()
        writer.write(buf)
        out[kind] = SimpleUploadedFile(
            f"{kind}.pdf", buf.getvalue(), content_type="application/pdf"
        )
    return out
