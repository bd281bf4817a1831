"""Factories for the KPI tests: plans and reports go through the real actions."""

import io
import itertools
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user

from .. import actions
from ..models import Indicator, Line, RuleKind

_seq = itertools.count(1)


def operator():
    return make_user(Role.OPERATOR)


def reviewer(district="330304"):
    return make_user(Role.REVIEWER, district=district)


def pdf(name="evidence.pdf"):
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_metadata({"/Title": f"evidence-{next(_seq)}"})
    buf = io.BytesIO()
    writer.write(buf)
    return SimpleUploadedFile(name, buf.getvalue(), content_type="application/pdf")


def make_plan(
    *,
    actor=None,
    start_year=2025,
    end_year=2026,
    district="330304",
    cluster=None,
    rows=(),
    activate=True,
    name=None,
):
    """A plan with `rows`: (code, line, weight, rule, {year: target}[, bands])."""
    from atelier.core.models import Cluster, District

    actor = actor or operator()
    plan = actions.create_plan(
        actor=actor,
        name=name or f"测试考核方案{next(_seq)}",
        complex_name="瓯海眼镜产业创新服务综合体",
        start_year=start_year,
        end_year=end_year,
        district=District.objects.get(pk=district) if district else None,
        cluster=Cluster.objects.get(pk=cluster) if cluster else None,
    )
    for spec in rows:
        code, line, weight, rule, targets, *bands = spec
        actions.set_row(
            actor=actor,
            plan=plan,
            indicator=Indicator.objects.get(code=code),
            line=line,
            weight=Decimal(weight),
            rule=rule,
            targets=targets,
            bands=bands[0] if bands else None,
        )
    if activate:
        actions.activate_plan(actor=actor, plan=plan)
    return plan


def simple_plan(**kw):
    years = (kw.get("start_year", 2025), kw.get("end_year", 2026))
    rows = kw.pop(
        "rows",
        [
            ("market_share", Line.GOVERNMENT, 10, RuleKind.LINEAR, dict.fromkeys(years, "34")),
            ("enterprises_served", Line.OPERATOR, 50, RuleKind.LINEAR,
             dict.fromkeys(years, "4")),
        ],
    )  # fmt: skip
    return make_plan(rows=rows, **kw)
