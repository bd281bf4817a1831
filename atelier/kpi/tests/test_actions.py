"""Plans, reported values, formulas and the two-line assessment: rules and refusals."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user
from atelier.core.errors import ActionError, NotAllowed
from atelier.core.models import AuditEntry, StatusChange

from .. import actions, catalogue, progress
from ..models import (
    Evidence,
    Indicator,
    Line,
    Plan,
    PlanTemplate,
    ReportedValue,
    ReportStatus,
    RuleKind,
    Source,
)
from .factories import operator, pdf, reviewer, simple_plan

pytestmark = pytest.mark.django_db
THIS = timezone.localdate().year


def _plan(**kw):
    kw.setdefault("start_year", THIS - 1)
    kw.setdefault("end_year", THIS)
    return simple_plan(**kw)


def _row(plan, code):
    return plan.rows.get(indicator__code=code)


def _report(plan, code="market_share", value="30", year=THIS, actor=None, **kw):
    kw.setdefault("files", [pdf()])
    kw.setdefault("pledge", True)
    return actions.report_value(
        actor=actor or operator(), row=_row(plan, code), year=year, value=value, **kw
    )


class TestReporting:
    def test_a_reported_value_counts_once_approved(self):
        plan = _plan()
        report = _report(plan, value="30.5")
        status = progress.plan_rows(plan, THIS, line=Line.GOVERNMENT)[0]
        assert status.actual is None and status.pending == 1
        actions.review_report(actor=reviewer(), report=report, approve=True)
        status = progress.plan_rows(plan, THIS, line=Line.GOVERNMENT)[0]
        assert status.actual == Decimal("30.5")
        assert status.report == report and status.pending == 0
        assert StatusChange.objects.filter(object_id=str(report.pk), to_state="approved").exists()
        evidence = Evidence.objects.get(report=report)
        assert evidence.kind == "pdf" and len(evidence.sha256) == 64

    def test_the_latest_approved_value_wins(self):
        plan = _plan()
        boss = reviewer()
        first = _report(plan, value="20", as_of=date(THIS, 1, 31))
        second = _report(plan, value="25", as_of=date(THIS, 3, 31))
        actions.review_report(actor=boss, report=second, approve=True)
        actions.review_report(actor=boss, report=first, approve=True)
        assert progress.plan_rows(plan, THIS, line=Line.GOVERNMENT)[0].actual == Decimal("25")

    @pytest.mark.parametrize(
        "kw, code",
        [
            ({"files": []}, "evidence_required"),
            ({"pledge": False}, "pledge_required"),
            ({"value": "134"}, "out_of_range"),
            ({"value": "-1"}, "out_of_range"),
            ({"value": "三十"}, "bad_number"),
            ({"year": THIS - 5}, "bad_year"),
            ({"as_of": date(THIS + 1, 1, 1)}, "bad_date"),
            (
                {"files": [SimpleUploadedFile("fake.pdf", b"MZ\x90\x00not a pdf")]},
                "bad_evidence",
            ),
        ],
    )
    def test_bad_reports_are_refused_and_change_nothing(self, kw, code):
        plan = _plan()
        audit_rows = AuditEntry.objects.count()
        with pytest.raises(ActionError) as exc:
            _report(plan, **kw)
        assert exc.value.code == code
        assert str(exc.value)  # a Chinese reason, not an empty error
        assert not ReportedValue.objects.exists() and not Evidence.objects.exists()
        assert AuditEntry.objects.count() == audit_rows

    def test_a_computed_indicator_cannot_be_typed_over_only_annotated(self):
        plan = _plan()
        with pytest.raises(ActionError) as exc:
            _report(plan, code="enterprises_served", value="999")
        assert exc.value.code == "computed_indicator"
        assert "只能添加说明" in str(exc.value)
        note = actions.annotate(
            actor=operator(), row=_row(plan, "enterprises_served"), year=THIS, text="12 月补录"
        )
        rows = progress.plan_rows(plan, THIS)
        served = [r for r in rows if r.indicator.code == "enterprises_served"]
        assert served[0].annotations == [note]

    def test_a_closed_period_takes_no_more_reports(self):
        plan = _plan()
        boss = reviewer()
        assessment = actions.assessment_for(plan, THIS - 1, Line.GOVERNMENT)
        actions.sign_assessment(actor=boss, assessment=assessment)
        with pytest.raises(ActionError) as exc:
            _report(plan, year=THIS - 1)
        assert exc.value.code == "period_closed"
        _report(plan, year=THIS)  # the other year stays open

    def test_reviewers_only_and_never_their_own(self):
        plan = _plan()
        boss = reviewer()
        own = _report(plan, actor=boss)
        with pytest.raises(NotAllowed):
            actions.review_report(actor=boss, report=own, approve=True)
        with pytest.raises(NotAllowed):
            actions.review_report(actor=operator(), report=own, approve=True)
        with pytest.raises(NotAllowed):  # a reviewer of another district
            actions.review_report(actor=reviewer("330302"), report=own, approve=True)
        with pytest.raises(ActionError) as exc:
            actions.review_report(actor=reviewer(), report=own, approve=False)
        assert exc.value.code == "reason_required"
        own.refresh_from_db()
        assert own.status == ReportStatus.SUBMITTED

    def test_members_cannot_report(self):
        plan = _plan()
        with pytest.raises(NotAllowed):
            _report(plan, actor=make_user(Role.MEMBER))


class TestPlans:
    def test_an_active_plan_is_frozen(self):
        plan = _plan()
        with pytest.raises(NotAllowed) as exc:
            actions.set_row(
                actor=operator(),
                plan=plan,
                indicator=Indicator.objects.get(code="coverage"),
                line=Line.OPERATOR,
                targets={THIS: "70"},
            )
        assert "不能再修改" in str(exc.value)
        assert not plan.rows.filter(indicator__code="coverage").exists()

    def test_activation_needs_every_years_target(self):
        plan = simple_plan(
            start_year=THIS - 1,
            end_year=THIS,
            activate=False,
            rows=[("coverage", Line.OPERATOR, 10, RuleKind.LINEAR, {THIS: "70"})],
        )
        with pytest.raises(ActionError) as exc:
            actions.activate_plan(actor=operator(), plan=plan)
        assert exc.value.code == "missing_targets"
        plan.refresh_from_db()
        assert plan.status == "draft"

    def test_targets_are_checked_against_the_unit_range(self):
        plan = simple_plan(start_year=THIS, end_year=THIS, activate=False, rows=[])
        with pytest.raises(ActionError) as exc:
            actions.set_row(
                actor=operator(),
                plan=plan,
                indicator=Indicator.objects.get(code="coverage"),
                line=Line.OPERATOR,
                targets={THIS: "170"},
            )
        assert exc.value.code == "out_of_range"
        assert not plan.rows.exists()

    def test_an_emptied_target_is_removed_from_a_draft(self):
        plan = simple_plan(start_year=THIS - 1, end_year=THIS, activate=False)
        row = _row(plan, "market_share")
        actions.set_row(
            actor=operator(), plan=plan, indicator=row.indicator, line=row.line,
            targets={THIS - 1: "", THIS: "35"},
        )  # fmt: skip
        assert dict(row.targets.values_list("year", "value")) == {THIS: Decimal("35")}

    def test_only_operators_plan(self):
        with pytest.raises(NotAllowed):
            actions.create_plan(
                actor=reviewer(), name="x", complex_name="y", start_year=THIS, end_year=THIS
            )

    def test_the_ouhai_template_carries_the_seed_targets(self):
        plan = catalogue.instantiate(
            PlanTemplate.OUHAI_2019,
            actor=operator(),
            name="瓯海眼镜产业创新服务综合体 2019–2021 年考核",
            complex_name="瓯海眼镜产业创新服务综合体",
            start_year=2019,
            end_year=2021,
        )
        finals = {
            t.row.indicator.code: t.value
            for t in plan.rows.model.targets.rel.related_model.objects.filter(
                row__plan=plan, year=2021
            ).select_related("row__indicator")
        }
        assert finals == {
            "market_share": Decimal("34"),
            "output_growth": Decimal("21"),
            "enterprises_total": Decimal("780"),
            "leading_enterprises": Decimal("9"),
            "hightech_enterprises": Decimal("10"),
            "tech_smes": Decimal("90"),
            "billion_enterprises": Decimal("10"),
            "incubated": Decimal("400"),
            "graduated": Decimal("150"),
            "renovation_investment": Decimal("9.2"),
            "enterprises_served": Decimal("600"),
            "coverage": Decimal("70"),
        }
        served = plan.rows.get(indicator__code="enterprises_served")
        assert [t.value for t in served.targets.order_by("year")] == [200, 400, 600]
        share = plan.rows.get(indicator__code="market_share")
        assert [t.value for t in share.targets.order_by("year")] == [34, 34, 34]
        assert set(plan.rows.values_list("line", flat=True)) == {"government", "operator"}
        actions.activate_plan(actor=operator(), plan=plan)

    def test_the_provincial_template_has_three_sections(self):
        plan = catalogue.instantiate(
            PlanTemplate.PROVINCIAL,
            actor=operator(),
            name="省级评价",
            complex_name="鹿城鞋业综合体",
            start_year=THIS,
            end_year=THIS,
        )
        sections = set(plan.rows.values_list("section", flat=True))
        assert sections == {"建设进度", "创新能力", "服务成效"}
        assert sum(r.weight for r in plan.rows.all()) == 100


class TestFormulas:
    def _define(self, code, formula, actor=None):
        return actions.define_indicator(
            actor=actor or operator(),
            code=code,
            name="测试公式",
            unit="%",
            source=Source.FORMULA,
            formula=formula,
        )

    def test_a_formula_referring_to_a_missing_indicator_is_refused(self):
        with pytest.raises(ActionError) as exc:
            self._define("ratio_x", "enterprises_served / no_such_thing * 100")
        assert "no_such_thing" in str(exc.value)
        assert not Indicator.objects.filter(code="ratio_x").exists()

    @pytest.mark.parametrize(
        "formula", ["__import__('os')", "enterprises_served ** 2", "a if b else c", "x[0]", ""]
    )
    def test_only_arithmetic_is_allowed(self, formula):
        with pytest.raises(ActionError):
            self._define("ratio_y", formula)

    def test_self_reference_and_cycles(self):
        with pytest.raises(ActionError):
            self._define("loop_a", "loop_a + 1")
        self._define("loop_b", "enterprises_served * 2")
        # loop_c → loop_b is fine; a formula using itself through another is not.
        Indicator.objects.filter(code="loop_b").update(formula="loop_c + 1")
        with pytest.raises(ActionError) as exc:
            self._define("loop_c", "loop_b * 2")
        assert "循环" in str(exc.value)

    def test_formula_values_come_from_the_plan(self):
        plan = _plan()
        boss = reviewer()
        actions.review_report(actor=boss, report=_report(plan, value="30"), approve=True)
        indicator = self._define("share_half", "market_share / 2 + 1")
        values = progress.Values(plan, THIS)
        assert values.of_indicator(indicator, None) == Decimal("16")
        zero = self._define("share_div0", "market_share / (coverage - coverage)")
        assert values.of_indicator(zero, None) is None

    def test_operators_only(self):
        with pytest.raises(NotAllowed):
            self._define("ratio_z", "coverage * 2", actor=make_user(Role.MEMBER))


class TestAssessment:
    def test_an_operator_cannot_score_the_government_line(self):
        plan = _plan()
        assessment = actions.assessment_for(plan, THIS, Line.GOVERNMENT)
        with pytest.raises(NotAllowed) as exc:
            actions.score_update(
                actor=operator(),
                assessment=assessment,
                row=_row(plan, "market_share"),
                adjusted="10",
                adjust_reason="自评",
            )
        assert "政府牵头单位" in str(exc.value)
        assert not assessment.scores.exists()

    def test_adjusting_a_score_needs_a_reason_and_stays_within_the_weight(self):
        plan = _plan()
        boss = reviewer()
        assessment = actions.assessment_for(plan, THIS, Line.GOVERNMENT)
        row = _row(plan, "market_share")
        with pytest.raises(ActionError):
            actions.score_update(actor=boss, assessment=assessment, row=row, adjusted="8")
        with pytest.raises(ActionError):
            actions.score_update(
                actor=boss, assessment=assessment, row=row, adjusted="11", adjust_reason="x"
            )
        with pytest.raises(ActionError):  # a row of the other line
            actions.score_update(
                actor=boss, assessment=assessment, row=_row(plan, "enterprises_served")
            )
        score = actions.score_update(
            actor=boss,
            assessment=assessment,
            row=row,
            adjusted="8",
            adjust_reason="口径差异",
            comment="数据来源为行业协会抽样",
        )
        assert score.adjusted == Decimal("8")

    def test_signing_freezes_actuals_and_scores(self):
        plan = _plan()
        boss = reviewer()
        actions.review_report(actor=boss, report=_report(plan, value="17"), approve=True)
        assessment = actions.assessment_for(plan, THIS, Line.GOVERNMENT)
        actions.sign_assessment(actor=boss, assessment=assessment, comments="基本完成")
        assessment.refresh_from_db()
        assert assessment.is_signed and assessment.total == Decimal("5.00")  # 10 × 17/34
        # A later approved value (e.g. reported before the signing, reviewed after) changes
        # nothing in the signed year.
        ReportedValue.objects.create(
            row=_row(plan, "market_share"), year=THIS, as_of=date(THIS, 12, 31), value=34,
            pledge="x", submitted_by=operator(), status=ReportStatus.APPROVED,
        )  # fmt: skip
        status = progress.plan_rows(plan, THIS, line=Line.GOVERNMENT)[0]
        assert status.frozen and status.actual == Decimal("17") and status.points == Decimal("5")
        with pytest.raises(ActionError):
            actions.score_update(actor=boss, assessment=assessment, row=_row(plan, "market_share"))
        with pytest.raises(ActionError):
            actions.reopen_assessment(actor=boss, assessment=assessment, reason="")
        actions.reopen_assessment(actor=boss, assessment=assessment, reason="统计口径更正")
        assessment.refresh_from_db()
        assert assessment.status == "open" and assessment.total is None
        assert progress.plan_rows(plan, THIS, line=Line.GOVERNMENT)[0].actual == Decimal("34")

    def test_only_assessors_reopen_and_plans_close_by_operators(self):
        plan = _plan()
        boss = reviewer()
        assessment = actions.assessment_for(plan, THIS, Line.OPERATOR)
        actions.sign_assessment(actor=boss, assessment=assessment)
        with pytest.raises(NotAllowed):
            actions.reopen_assessment(actor=operator(), assessment=assessment, reason="更正")
        with pytest.raises(NotAllowed):  # a reviewer of another district
            actions.reopen_assessment(
                actor=reviewer("330302"), assessment=assessment, reason="更正"
            )
        assessment.refresh_from_db()
        assert assessment.is_signed
        with pytest.raises(NotAllowed):
            actions.close_plan(actor=boss, plan=plan)
        actions.close_plan(actor=make_user(Role.SYSADMIN), plan=plan, reason="期满")
        plan.refresh_from_db()
        assert plan.status == "closed"
        with pytest.raises(NotAllowed) as exc:  # a closed plan takes no reports
            _report(plan)
        assert "不在执行中" in str(exc.value)

    def test_pending_reports_block_the_signature(self):
        plan = _plan()
        _report(plan)
        assessment = actions.assessment_for(plan, THIS, Line.GOVERNMENT)
        with pytest.raises(ActionError) as exc:
            actions.sign_assessment(actor=reviewer(), assessment=assessment)
        assert exc.value.code == "pending_reports"
        assessment.refresh_from_db()
        assert assessment.status == "open" and not assessment.scores.exists()

    def test_plans_are_not_public(self):
        _plan()
        assert Plan.objects.visible_to(make_user(Role.MEMBER)).count() == 0
        assert Plan.objects.visible_to(make_user(Role.AUDITOR)).count() == 1
