"""Helpers for the page tests (the shared factories stay in factories.py)."""

from django.utils import timezone

from .. import actions
from .factories import operator, pdf, reviewer, simple_plan

THIS = timezone.localdate().year


def plan_this_year(**kw):
    """An active plan over last year and this year, in 瓯海区 (330304): 国内市场占有率 (reported,
    government line) and 服务企业数 (computed, operator line)."""
    kw.setdefault("start_year", THIS - 1)
    kw.setdefault("end_year", THIS)
    return simple_plan(**kw)


def row_of(plan, code):
    return plan.rows.select_related("indicator").get(indicator__code=code)


def report(plan, code="market_share", *, value="30", year=THIS, actor=None, note="", files=None):
    return actions.report_value(
        actor=actor or operator(),
        row=row_of(plan, code),
        year=year,
        value=value,
        note=note,
        pledge=True,
        files=files if files is not None else [pdf()],
    )


def approved(plan, code="market_share", *, value="30", boss=None, **kw):
    item = report(plan, code, value=value, **kw)
    actions.review_report(actor=boss or reviewer("330304"), report=item, approve=True)
    item.refresh_from_db()
    return item
