"""The KPI pages: each renders for the roles that may see it and refuses the others with the
reason (members and experts 403, anonymous to the login page); every write goes through the
actions; bad input shows the Chinese error and changes nothing."""

from decimal import Decimal

import pytest
from django.urls import reverse

from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user

from .. import actions
from ..models import (
    Annotation,
    Assessment,
    Evidence,
    Indicator,
    Line,
    Plan,
    PlanStatus,
    ReportedValue,
    ReportStatus,
    RuleKind,
    Score,
    Target,
)
from .factories import make_plan, operator, pdf, reviewer
from .page_factories import THIS, approved, plan_this_year, report, row_of

pytestmark = pytest.mark.django_db


def as_user(client, user):
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def plan():
    return plan_this_year()


@pytest.fixture
def boss():
    return reviewer("330304")


# ---------------------------------------------------------------- who sees what


def page_urls(plan):
    item = report(plan)
    return [
        reverse("kpi:plans"),
        reverse("kpi:plan", args=[plan.pk]),
        reverse("kpi:reports"),
        reverse("kpi:report", args=[item.pk]),
        reverse("kpi:indicators"),
        reverse("kpi:assessment", args=[plan.pk, THIS, Line.GOVERNMENT]),
    ]


class TestAccess:
    @pytest.mark.parametrize("role", [Role.OPERATOR, Role.REVIEWER, Role.FINANCE, Role.AUDITOR])
    def test_staff_roles_read_every_page(self, client, plan, role):
        as_user(client, make_user(role, district="330304"))
        for url in page_urls(plan):
            assert client.get(url).status_code == 200, url

    @pytest.mark.parametrize("role", [Role.MEMBER, Role.EXPERT, Role.BROKER])
    def test_members_and_experts_are_refused_with_the_reason(self, client, plan, role):
        as_user(client, make_user(role))
        for url in page_urls(plan):
            response = client.get(url)
            assert response.status_code == 403, url
            assert "考核方案只对运营方、主管部门" in response.content.decode()

    def test_anonymous_goes_to_the_login_page(self, client, plan):
        for url in page_urls(plan):
            response = client.get(url)
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    def test_unknown_plan_year_or_line_is_404(self, client, plan):
        as_user(client, operator())
        assert client.get(reverse("kpi:plan", args=[plan.pk + 99])).status_code == 404
        for query in ("?year=1999", "?year=abc", f"?year={THIS + 1}"):
            assert client.get(reverse("kpi:plan", args=[plan.pk]) + query).status_code == 404
        bad = [(THIS, "members"), (THIS - 5, Line.OPERATOR)]
        for year, line in bad:
            url = reverse("kpi:assessment", args=[plan.pk, year, line])
            assert client.get(url).status_code == 404
        url = reverse("kpi:report_new", args=[row_of(plan, "market_share").pk, THIS - 5])
        assert client.get(url).status_code == 404

    def test_only_operators_create_plans_and_define_indicators(self, client, plan, boss):
        as_user(client, boss)
        response = client.get(reverse("kpi:plan_new"))
        assert response.status_code == 403
        assert "只有运营方可以编制考核方案" in response.content.decode()
        response = client.post(reverse("kpi:indicators"), {"code": "x_y", "name": "x"})
        assert response.status_code == 403
        page = client.get(reverse("kpi:indicators")).content.decode()
        assert "定义新指标" not in page

    def test_the_portal_panels_link_the_pages(self, client):
        as_user(client, operator())
        assert reverse("kpi:plans") in client.get(reverse("portal:workspace")).content.decode()
        as_user(client, reviewer())
        assert reverse("kpi:reports") in client.get(reverse("portal:workspace")).content.decode()


# ---------------------------------------------------------------- plans


class TestPlanPages:
    def test_the_list_shows_plans_and_the_new_button_for_operators(self, client, plan, boss):
        as_user(client, operator())
        page = client.get(reverse("kpi:plans")).content.decode()
        assert plan.name in page and "新建方案" in page and "执行中" in page
        as_user(client, boss)
        page = client.get(reverse("kpi:plans")).content.decode()
        assert plan.name in page and "新建方案" not in page

    def test_the_list_does_not_grow_queries_with_plans(self, client, django_assert_max_num_queries):
        for _ in range(4):
            report(plan_this_year())
        as_user(client, operator())
        with django_assert_max_num_queries(8):
            assert client.get(reverse("kpi:plans")).status_code == 200

    def test_a_provincial_plan_with_typed_targets(self, client):
        as_user(client, operator())
        response = client.post(
            reverse("kpi:plan_new"),
            {
                "template": "provincial",
                "name": "鹿城鞋业综合体年度评价",
                "complex_name": "鹿城鞋业产业创新服务综合体",
                "start_year": THIS,
                "end_year": THIS,
                "district": "330302",
                "target_dockings_signed": "40",
                "target_coverage": "65.5",
            },
        )
        plan = Plan.objects.get(name="鹿城鞋业综合体年度评价")
        assert response.status_code == 302
        assert response["Location"] == reverse("kpi:plan_edit", args=[plan.pk])
        assert plan.status == PlanStatus.DRAFT and plan.rows.count() == 11
        targets = {t.row.indicator.code: t.value for t in Target.objects.filter(row__plan=plan)}
        assert targets == {"dockings_signed": Decimal("40"), "coverage": Decimal("65.5")}

    @pytest.mark.parametrize(
        "changes, message",
        [
            ({"end_year": THIS - 1}, "结束年度不能早于起始年度"),
            ({"target_coverage": "170"}, "取值须在 0–100"),
            ({"name": ""}, "必填"),
        ],
    )
    def test_bad_plan_input_creates_nothing(self, client, changes, message):
        as_user(client, operator())
        data = {
            "template": "provincial",
            "name": "方案",
            "complex_name": "综合体",
            "start_year": THIS,
            "end_year": THIS,
        }
        response = client.post(reverse("kpi:plan_new"), {**data, **changes})
        assert response.status_code == 400
        assert message in response.content.decode()
        assert not Plan.objects.exists()

    def test_a_custom_plan_starts_empty(self, client):
        as_user(client, operator())
        data = {"template": "custom", "name": "自定义", "complex_name": "综合体"}
        client.post(reverse("kpi:plan_new"), {**data, "start_year": THIS, "end_year": THIS})
        plan = Plan.objects.get()
        assert plan.template == "custom" and not plan.rows.exists()
        page = client.get(reverse("kpi:plan", args=[plan.pk])).content.decode()
        assert "方案还没有指标" in page


def draft_plan():
    return make_plan(
        start_year=THIS - 1,
        end_year=THIS,
        activate=False,
        rows=[("coverage", Line.OPERATOR, 10, RuleKind.LINEAR, {THIS: "70"})],
    )


def row_data(row, plan, **overrides):
    prefix = f"r{row.pk}-"
    data = {
        "op": "save",
        "row": row.pk,
        prefix + "section": "服务成效",
        prefix + "responsible_unit": "综合体运营单位",
        prefix + "weight": "20",
        prefix + "rule": "linear",
        prefix + "cap": "100",
        prefix + "bands": "",
    }
    for year in plan.years:
        data[f"{prefix}target_{year}"] = ""
    data.update({prefix + k: v for k, v in overrides.items()})
    return data


class TestPlanEdit:
    def test_the_editor_is_for_draft_plans_of_operators(self, client, plan, boss):
        as_user(client, operator())
        response = client.get(reverse("kpi:plan_edit", args=[plan.pk]))
        assert response.status_code == 403 and "方案已启用" in response.content.decode()
        draft = draft_plan()
        page = client.get(reverse("kpi:plan_edit", args=[draft.pk])).content.decode()
        assert "服务企业覆盖面" in page and "启用方案" in page and "缺少部分年度目标" in page
        as_user(client, boss)
        assert client.get(reverse("kpi:plan_edit", args=[draft.pk])).status_code == 403

    def test_saving_a_row_with_thresholds_and_targets(self, client):
        plan = draft_plan()
        row = row_of(plan, "coverage")
        as_user(client, operator())
        data = row_data(
            row,
            plan,
            rule="thresholds",
            bands="100:100；90:60",
            cap="120",
            **{f"target_{THIS - 1}": "６０", f"target_{THIS}": "70"},
        )
        response = client.post(reverse("kpi:plan_edit", args=[plan.pk]), data)
        assert response.status_code == 302
        row.refresh_from_db()
        assert row.weight == 20 and row.rule == "thresholds" and row.cap == Decimal("1.2")
        assert row.bands == [["1", "1"], ["0.9", "0.6"]]
        assert {t.year: t.value for t in row.targets.all()} == {THIS - 1: 60, THIS: 70}

    @pytest.mark.parametrize(
        "overrides, message",
        [
            ({f"target_{THIS}": "七十"}, "不是有效的数字"),
            ({f"target_{THIS}": "170"}, "取值须在 0–100"),
            ({"weight": "120"}, "分值须在 0–100 之间"),
            ({"rule": "thresholds", "bands": "100-100"}, "分档格式应为"),
            ({"rule": "thresholds", "bands": ""}, "分档计分至少需要一档"),
        ],
    )
    def test_bad_row_input_changes_nothing(self, client, overrides, message):
        plan = draft_plan()
        row = row_of(plan, "coverage")
        as_user(client, operator())
        response = client.post(
            reverse("kpi:plan_edit", args=[plan.pk]), row_data(row, plan, **overrides)
        )
        assert response.status_code == 400
        assert message in response.content.decode()
        row.refresh_from_db()
        assert row.weight == 10 and row.rule == "linear"
        assert {t.year: t.value for t in row.targets.all()} == {THIS: 70}

    def test_adding_and_removing_rows(self, client):
        plan = draft_plan()
        as_user(client, operator())
        market = Indicator.objects.get(code="market_share")
        data = {
            "op": "add",
            "add-indicator": market.pk,
            "add-line": Line.GOVERNMENT,
            "add-section": "产业发展",
            "add-responsible_unit": "区经信局",
            "add-weight": "10",
            "add-rule": "pass_fail",
            "add-cap": "100",
            f"add-target_{THIS - 1}": "30",
            f"add-target_{THIS}": "34",
        }
        response = client.post(reverse("kpi:plan_edit", args=[plan.pk]), data)
        assert response.status_code == 302
        row = row_of(plan, "market_share")
        assert row.line == Line.GOVERNMENT and row.targets.count() == 2
        response = client.post(reverse("kpi:row_remove", args=[row.pk]))
        assert response.status_code == 302
        assert not plan.rows.filter(indicator=market).exists()

    def test_activation_without_every_target_is_refused_and_explained(self, client):
        plan = draft_plan()
        as_user(client, operator())
        response = client.post(reverse("kpi:plan_activate", args=[plan.pk]), follow=True)
        assert "以下指标缺少部分年度的目标值：服务企业覆盖面" in response.content.decode()
        plan.refresh_from_db()
        assert plan.status == PlanStatus.DRAFT
        Target.objects.create(row=row_of(plan, "coverage"), year=THIS - 1, value=60)
        response = client.post(reverse("kpi:plan_activate", args=[plan.pk]))
        assert response["Location"] == reverse("kpi:plan", args=[plan.pk])
        plan.refresh_from_db()
        assert plan.status == PlanStatus.ACTIVE

    def test_removing_a_row_of_an_active_plan_is_refused(self, client, plan):
        as_user(client, operator())
        row = row_of(plan, "market_share")
        response = client.post(reverse("kpi:row_remove", args=[row.pk]))
        assert response.status_code == 403 and "不能再修改" in response.content.decode()
        assert plan.rows.filter(pk=row.pk).exists()

    def test_closing_a_plan(self, client, plan, boss):
        as_user(client, boss)
        assert client.post(reverse("kpi:plan_close", args=[plan.pk])).status_code == 403
        as_user(client, operator())
        client.post(reverse("kpi:plan_close", args=[plan.pk]), {"reason": "周期结束"})
        plan.refresh_from_db()
        assert plan.status == PlanStatus.CLOSED


class TestPlanDetail:
    def test_the_current_year_with_progress_source_note_and_actions(self, client, plan, boss):
        approved(plan, value="17", boss=boss)
        plan.source_note = "2021 年目标出自方案原文"
        plan.save()
        as_user(client, operator())
        response = client.get(reverse("kpi:plan", args=[plan.pk]))
        page = response.content.decode()
        assert response.context["year"] == THIS
        assert "2021 年目标出自方案原文" in page
        assert "进度目标" in page and "政府牵头单位" in page and "综合体运营单位" in page
        assert "17.0" in page  # the approved value, in the indicator's decimals
        assert "自动计算" in page and "填报" in page
        report_url = reverse("kpi:report_new", args=[row_of(plan, "market_share").pk, THIS])
        assert report_url in page
        served = row_of(plan, "enterprises_served")
        assert reverse("kpi:report_new", args=[served.pk, THIS]) not in page
        assert reverse("kpi:annotate", args=[served.pk, THIS]) in page
        assert reverse("kpi:assessment", args=[plan.pk, THIS, "government"]) in page
        # Finance reads without the buttons.
        as_user(client, make_user(Role.FINANCE))
        page = client.get(reverse("kpi:plan", args=[plan.pk])).content.decode()
        assert report_url not in page

    def test_a_past_year_has_no_prorated_column(self, client, plan):
        as_user(client, operator())
        response = client.get(reverse("kpi:plan", args=[plan.pk]) + f"?year={THIS - 1}")
        assert response.status_code == 200 and "进度目标" not in response.content.decode()

    def test_a_note_is_added_to_a_computed_indicator_and_escaped(self, client, plan):
        served = row_of(plan, "enterprises_served")
        as_user(client, operator())
        url = reverse("kpi:annotate", args=[served.pk, THIS])
        response = client.post(url, {"text": "<script>alert(1)</script> 12 月补录"}, follow=True)
        page = response.content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt; 12 月补录" in page
        assert "<script>alert(1)" not in page
        response = client.post(url, {"text": "  "}, follow=True)
        assert "说明不能为空" in response.content.decode()
        assert Annotation.objects.count() == 1

    def test_members_cannot_annotate(self, client, plan):
        as_user(client, make_user(Role.MEMBER))
        url = reverse("kpi:annotate", args=[row_of(plan, "enterprises_served").pk, THIS])
        assert client.post(url, {"text": "x"}).status_code == 403
        assert not Annotation.objects.exists()


# ---------------------------------------------------------------- reporting


def report_data(**overrides):
    data = {"value": "31.5", "as_of": f"{THIS}-01-01", "note": "行业协会数据", "pledge": "on"}
    data["evidence"] = [pdf("统计快报.pdf"), pdf("协会证明.pdf")]
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


class TestReporting:
    def test_the_form_shows_unit_range_target_and_pledge(self, client, plan):
        as_user(client, operator())
        row = row_of(plan, "market_share")
        page = client.get(reverse("kpi:report_new", args=[row.pk, THIS])).content.decode()
        assert "国内市场占有率" in page and "允许范围" in page and "0 – 100 %" in page
        assert "本单位承诺所填报数据真实" in page and 'type="checkbox"' in page

    def test_a_report_with_two_evidence_files(self, client, plan):
        as_user(client, operator())
        row = row_of(plan, "market_share")
        response = client.post(reverse("kpi:report_new", args=[row.pk, THIS]), report_data())
        assert response.status_code == 302
        report = ReportedValue.objects.get()
        assert report.value == Decimal("31.5") and report.status == ReportStatus.SUBMITTED
        assert sorted(e.name for e in report.evidence.all()) == ["协会证明.pdf", "统计快报.pdf"]

    @pytest.mark.parametrize(
        "overrides, message",
        [
            ({"evidence": None}, "填报值必须附佐证材料"),
            ({"pledge": None}, "请勾选数据真实性承诺"),
            ({"value": "134"}, "取值须在 0–100 %"),
            ({"value": "三十"}, "不是有效的数字"),
            ({"as_of": f"{THIS - 1}-12-31"}, f"数据截至日期须在 {THIS} 年内"),
        ],
    )
    def test_bad_reports_show_the_reason_and_save_nothing(self, client, plan, overrides, message):
        as_user(client, operator())
        row = row_of(plan, "market_share")
        response = client.post(
            reverse("kpi:report_new", args=[row.pk, THIS]), report_data(**overrides)
        )
        assert response.status_code == 400
        assert message in response.content.decode()
        assert not ReportedValue.objects.exists() and not Evidence.objects.exists()

    def test_a_fake_pdf_is_refused_by_content(self, client, plan):
        from django.core.files.uploadedfile import SimpleUploadedFile

        as_user(client, operator())
        row = row_of(plan, "market_share")
        fake = SimpleUploadedFile("证明.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
        response = client.post(
            reverse("kpi:report_new", args=[row.pk, THIS]), report_data(evidence=[fake])
        )
        assert response.status_code == 400 and "按文件内容" in response.content.decode()
        assert not ReportedValue.objects.exists()

    def test_computed_indicators_cannot_be_reported(self, client, plan):
        as_user(client, operator())
        row = row_of(plan, "enterprises_served")
        url = reverse("kpi:report_new", args=[row.pk, THIS])
        response = client.post(url, report_data(), follow=True)
        assert "只能添加说明" in response.content.decode()
        assert not ReportedValue.objects.exists()

    def test_members_cannot_report(self, client, plan):
        as_user(client, make_user(Role.MEMBER))
        url = reverse("kpi:report_new", args=[row_of(plan, "market_share").pk, THIS])
        assert client.post(url, report_data()).status_code == 403
        assert not ReportedValue.objects.exists()


class TestReview:
    def test_the_queue_approves(self, client, plan, boss):
        item = report(plan)
        as_user(client, boss)
        page = client.get(reverse("kpi:reports")).content.decode()
        assert f'id="report-{item.pk}"' in page and "采纳" in page
        url = reverse("kpi:report", args=[item.pk])
        response = client.post(url, {"decision": "approve", "next": "reports"})
        assert response["Location"] == reverse("kpi:reports")
        item.refresh_from_db()
        assert item.status == ReportStatus.APPROVED and item.reviewed_by == boss
        page = client.get(reverse("kpi:reports")).content.decode()
        assert "没有待审核的填报值" in page and "已采纳" in page

    def test_the_queue_does_not_grow_queries_with_reports(
        self, client, boss, django_assert_max_num_queries
    ):
        for _ in range(3):
            other = plan_this_year()
            report(other)
            approved(other, value="20", boss=boss)
        as_user(client, boss)
        with django_assert_max_num_queries(9):
            page = client.get(reverse("kpi:reports")).content.decode()
        assert page.count('id="report-') == 3

    def test_rejecting_needs_a_reason(self, client, plan, boss):
        item = report(plan)
        as_user(client, boss)
        url = reverse("kpi:report", args=[item.pk])
        response = client.post(url, {"decision": "reject", "reason": ""})
        assert response.status_code == 400 and "必须填写原因" in response.content.decode()
        item.refresh_from_db()
        assert item.status == ReportStatus.SUBMITTED
        client.post(url, {"decision": "reject", "reason": "佐证与填报值不一致"})
        item.refresh_from_db()
        assert item.status == ReportStatus.REJECTED
        page = client.get(url).content.decode()
        assert "佐证与填报值不一致" in page and "已退回" in page

    def test_operators_see_their_submissions_and_cannot_decide(self, client, plan):
        me = operator()
        item = report(plan, actor=me)
        as_user(client, me)
        page = client.get(reverse("kpi:reports")).content.decode()
        assert "我的填报" in page and "待审核" in page
        response = client.post(reverse("kpi:report", args=[item.pk]), {"decision": "approve"})
        assert response.status_code == 403 and "主管部门可以审核" in response.content.decode()
        item.refresh_from_db()
        assert item.status == ReportStatus.SUBMITTED

    def test_reviewers_of_another_district_and_own_reports(self, client, plan, boss):
        item = report(plan)
        as_user(client, reviewer("330302"))
        page = client.get(reverse("kpi:reports")).content.decode()
        assert f'id="report-{item.pk}"' not in page
        own = report(plan, actor=boss)
        as_user(client, boss)
        page = client.get(reverse("kpi:reports")).content.decode()
        assert "不能审核自己填报的数据" in page
        response = client.post(reverse("kpi:report", args=[own.pk]), {"decision": "approve"})
        assert response.status_code == 403

    def test_the_queue_holds_exactly_the_reports_the_user_may_review(self, plan, boss):
        from atelier.kpi import permissions

        for district in ("330302", None):
            report(plan_this_year(district=district))
        report(plan)
        everything = ReportedValue.objects.select_related("row__plan")
        users = [boss, reviewer("330302"), reviewer(None), operator(), make_user(Role.SYSADMIN)]
        users.append(make_user(Role.AUDITOR))
        for user in users:
            scoped = set(permissions.assessed_reports(everything, user))
            assert scoped == {r for r in everything if permissions._is_assessor(user, r.row.plan)}
        assert len(set(permissions.assessed_reports(everything, boss))) == 2  # own + no district

    def test_the_detail_escapes_the_note_and_lists_evidence(self, client, plan, boss):
        item = report(plan, note="<script>alert('x')</script>来源：统计局")
        as_user(client, boss)
        page = client.get(reverse("kpi:report", args=[item.pk])).content.decode()
        assert "&lt;script&gt;" in page and "<script>alert" not in page
        evidence = item.evidence.get()
        assert reverse("kpi:evidence", args=[evidence.pk]) in page
        assert "本单位承诺所填报数据真实" in page

    def test_evidence_is_served_as_an_attachment_to_staff_only(self, client, plan, boss):
        evidence = report(plan).evidence.get()
        url = reverse("kpi:evidence", args=[evidence.pk])
        as_user(client, boss)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        as_user(client, make_user(Role.MEMBER))
        assert client.get(url).status_code == 403
        client.logout()
        assert client.get(url).status_code == 302


# ---------------------------------------------------------------- assessment


def assess_url(plan, line=Line.GOVERNMENT, year=THIS):
    return reverse("kpi:assessment", args=[plan.pk, year, line])


class TestAssessment:
    def test_operators_read_with_the_reason_and_cannot_score(self, client, plan):
        as_user(client, operator())
        page = client.get(assess_url(plan)).content.decode()
        assert "只读" in page and "政府牵头单位条线的得分由主管部门评定" in page
        assert not Assessment.objects.exists()  # reading creates nothing
        row = row_of(plan, "market_share")
        data = {"op": "score", "row": row.pk, f"s{row.pk}-adjusted": "10"}
        data[f"s{row.pk}-adjust_reason"] = "自评"
        response = client.post(assess_url(plan), data)
        assert response.status_code == 403
        assert "政府牵头单位条线的得分由主管部门评定，运营方不能修改" in response.content.decode()
        assert not Score.objects.exists()

    def test_the_assessor_scores_comments_signs_and_reopens(self, client, plan, boss):
        approved(plan, value="17", boss=boss)
        row = row_of(plan, "market_share")
        as_user(client, boss)
        page = client.get(assess_url(plan)).content.decode()
        assert "签署考核" in page
        assert reverse("kpi:assessment_pdf", args=[plan.pk, THIS, "government"]) in page
        data = {"op": "score", "row": row.pk, f"s{row.pk}-comment": "<b>数据可信</b>"}
        data.update({f"s{row.pk}-adjusted": "6", f"s{row.pk}-adjust_reason": "口径差异"})
        assert client.post(assess_url(plan), data).status_code == 302
        score = Score.objects.get()
        assert score.adjusted == 6 and score.comment == "<b>数据可信</b>"
        response = client.post(assess_url(plan), {"op": "sign", "comments": "基本完成"})
        assert response.status_code == 302
        assessment = Assessment.objects.get()
        assert assessment.is_signed and assessment.total == 6 and assessment.comments == "基本完成"
        page = client.get(assess_url(plan)).content.decode()
        assert "已冻结" in page and "&lt;b&gt;数据可信&lt;/b&gt;" in page
        # The plan page shows the frozen actual and the signed score.
        page = client.get(reverse("kpi:plan", args=[plan.pk])).content.decode()
        assert "已签署，得分冻结" in page and "17.0" in page
        # A signed assessment takes no more score changes.
        data[f"s{row.pk}-adjusted"] = "9"
        response = client.post(assess_url(plan), data)
        assert response.status_code == 400
        assert "考核已签署，评分不能再修改" in response.content.decode()
        score.refresh_from_db()
        assert score.adjusted == 6
        response = client.post(assess_url(plan), {"op": "reopen", "reason": ""})
        assert response.status_code == 400 and "必须填写原因" in response.content.decode()
        client.post(assess_url(plan), {"op": "reopen", "reason": "统计口径更正"})
        assessment.refresh_from_db()
        assert assessment.status == "open"
        assert "统计口径更正" in client.get(assess_url(plan)).content.decode()

    def test_a_bad_adjustment_is_refused(self, client, plan, boss):
        row = row_of(plan, "market_share")
        as_user(client, boss)
        data = {"op": "score", "row": row.pk, f"s{row.pk}-adjusted": "8"}
        response = client.post(assess_url(plan), data)
        assert response.status_code == 400 and "调整得分必须说明理由" in response.content.decode()
        assert not Score.objects.exists()

    def test_pending_reports_block_the_signature(self, client, plan, boss):
        report(plan)
        as_user(client, boss)
        page = client.get(assess_url(plan)).content.decode()
        assert "待审核，审核后才能签署" in page
        response = client.post(assess_url(plan), {"op": "sign", "comments": ""})
        assert response.status_code == 400 and "请先审核再签署" in response.content.decode()
        assert not Assessment.objects.filter(status="signed").exists()

    def test_signing_closes_reporting_for_the_period(self, client, plan, boss):
        actions.sign_assessment(
            actor=boss, assessment=actions.assessment_for(plan, THIS - 1, Line.GOVERNMENT)
        )
        as_user(client, operator())
        page = client.get(reverse("kpi:plan", args=[plan.pk]) + f"?year={THIS - 1}")
        assert "期间已关闭" in page.content.decode()
        row = row_of(plan, "market_share")
        response = client.post(
            reverse("kpi:report_new", args=[row.pk, THIS - 1]),
            report_data(as_of=f"{THIS - 1}-12-31"),
        )
        assert response.status_code == 400 and "该期间已关闭" in response.content.decode()


# ---------------------------------------------------------------- indicators


class TestIndicators:
    def test_the_catalogue(self, client, plan):
        as_user(client, make_user(Role.AUDITOR))
        page = client.get(reverse("kpi:indicators")).content.decode()
        assert "enterprises_served" in page and "service_revenue / voucher_redeemed" in page
        assert "定义新指标" not in page

    def test_a_formula_with_a_missing_indicator_is_refused(self, client):
        as_user(client, operator())
        data = {
            "code": "served_share",
            "name": "服务企业占比",
            "unit": "%",
            "source": "formula",
            "direction": "higher",
            "aggregation": "rate",
            "formula": "enterprises_served / no_such_thing * 100",
            "decimals": "1",
        }
        response = client.post(reverse("kpi:indicators"), data)
        assert response.status_code == 400
        assert "公式引用了不存在的指标：no_such_thing" in response.content.decode()
        assert not Indicator.objects.filter(code="served_share").exists()
        data["formula"] = "enterprises_served / cluster_enterprises * 100"
        response = client.post(reverse("kpi:indicators"), data)
        assert response.status_code == 302
        assert Indicator.objects.get(code="served_share").formula.startswith("enterprises_served")


class TestFormatting:
    def test_numbers_keep_the_indicators_decimals_and_never_use_floats(self):
        from ..templatetags.kpi_pages import kpi_bar, kpi_num, kpi_pct, kpi_plain

        assert kpi_num(Decimal("1234.5"), 1) == "1,234.5"
        assert kpi_num(Decimal("0.125"), 2) == "0.13"
        assert kpi_num(None, 2) == "—"
        assert kpi_pct(Decimal("0.9265")) == "92.7%" and kpi_pct(None) == "—"
        assert kpi_plain(Decimal("10.00")) == "10" and kpi_plain(Decimal("9.50")) == "9.5"
        assert kpi_bar(Decimal("2.3")) == 100 and kpi_bar(None) == 0

    def test_a_past_plan_opens_on_its_last_year(self, client):
        plan = plan_this_year(start_year=THIS - 3, end_year=THIS - 2)
        as_user(client, operator())
        response = client.get(reverse("kpi:plan", args=[plan.pk]))
        assert response.context["year"] == THIS - 2
