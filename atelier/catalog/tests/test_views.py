"""The resource library pages: detail per kind, create/edit forms, lifecycle buttons (plain and
htmx), the moderation queue, provider page and "my resources", with pinned query counts."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user
from atelier.catalog import actions
from atelier.catalog.models import (
    AchievementDetail,
    Resource,
    ResourceKind,
    ResourceStatus,
)
from atelier.core.models import AuditEntry, StatusChange
from atelier.orgs.models import OrgKind
from atelier.orgs.tests.factories import make_org, pdf_bytes

from .factories import make_provider, make_resource

pytestmark = pytest.mark.django_db
S = ResourceStatus
HTMX = {"HTTP_HX_REQUEST": "true"}


def fresh(resource):
    return Resource.objects.get(pk=resource.pk)


# ---------------------------------------------------------------------------------------------
# Detail page


class TestDetailPage:
    def test_it_shows_a_service_with_price_unit_voucher_and_provider_link(self, client, provider):
        r = make_resource(
            provider=provider,
            title="鞋类耐折性能检测",
            price=Decimal("1200.00"),
            price_unit="批次",
            voucher_eligible=True,
            detail={"lead_time_days": 5, "standards": "GB/T 3903.1-2017; QB/T 1002-2015"},
        )
        page = client.get(r.get_absolute_url())
        assert page.status_code == 200
        html = page.text
        assert "鞋类耐折性能检测" in html and "¥1200" in html and "批次" in html
        assert "可用创新券" in html and "5 个工作日" in html and "QB/T 1002-2015" in html
        assert reverse("orgs:detail", args=[provider.pk]) in html
        assert reverse("catalog:provider", args=[provider.pk]) in html
        assert "status-panel" not in html  # anonymous visitors get no lifecycle panel

    def test_a_missing_price_reads_negotiable(self, client, provider):
        r = make_resource(provider=provider, price=None)
        assert "面议" in client.get(r.get_absolute_url()).text

    def test_description_markup_is_escaped_and_line_breaks_kept(self, client, provider):
        r = make_resource(
            provider=provider, description='第一行<script>alert("x")</script>\n第二行 <b>粗</b>'
        )
        html = client.get(r.get_absolute_url()).text
        assert '<script>alert("x")' not in html and "<b>粗</b>" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
        assert "<br>第二行 &lt;b&gt;粗&lt;/b&gt;" in html

    @pytest.mark.parametrize(
        ("kind", "detail", "expected"),
        [
            (
                ResourceKind.EXPERT,
                {"person_name": "张建华", "title": "高级工程师", "specialties": "鞋楦设计",
                 "employer": "温州大学", "consulting_available": True},
                ["张建华", "高级工程师", "鞋楦设计", "温州大学", "可预约咨询"],
            ),
            (
                ResourceKind.INSTRUMENT,
                {"model_number": "INFOOT-3D", "maker": "I-Ware", "specs": "精度 ±1 mm\n10 秒",
                 "location": "创新园 3 号楼", "fee_per_hour": Decimal("300"),
                 "sharing_status": "limited"},
                ["INFOOT-3D", "I-Ware", "精度 ±1 mm<br>10 秒", "创新园 3 号楼", "¥300", "有限开放"],
            ),
            (
                ResourceKind.ACHIEVEMENT,
                {"trl": 6, "patents": "201710601862.3", "transfer_mode": "license"},
                ["TRL 6", "相关环境系统演示", "201710601862.3", "发明", "许可", 'class="at-trl"'],
            ),
            (
                ResourceKind.POLICY,
                {"issuer": "温州市科学技术局", "document_number": "温科〔2023〕12号",
                 "issued_on": date(2023, 5, 10), "scope": "中小微企业"},
                ["温州市科学技术局", "温科〔2023〕12号", "2023-05-10", "中小微企业"],
            ),
            (
                ResourceKind.PARTNER,
                {"country": "意大利", "is_foreign": True, "agreement_status": "signed",
                 "agreement_start": date(2024, 1, 1), "agreement_end": date(2026, 12, 31)},
                ["意大利", "境外机构", "已签约", "2024-01-01", "2026-12-31"],
            ),
        ],
    )  # fmt: skip
    def test_it_shows_the_kind_specific_fields(self, client, provider, kind, detail, expected):
        r = make_resource(provider=provider, kind=kind, detail=detail)
        html = client.get(r.get_absolute_url()).text
        for text in expected:
            assert text in html, text
        if kind == ResourceKind.ACHIEVEMENT:
            assert html.count('<span class="on"></span>') == 6

    def test_the_owner_sees_the_lifecycle_panel_and_history(self, client, provider, admin):
        r = make_resource(provider=provider)
        client.force_login(admin)
        html = client.get(r.get_absolute_url()).text
        assert 'id="status-panel"' in html and "状态记录" in html
        assert reverse("catalog:transition", args=[r.pk, "archive"]) in html
        assert reverse("catalog:transition", args=[r.pk, "confirm"]) in html
        assert reverse("catalog:transition", args=[r.pk, "publish"]) not in html

    def test_the_owner_sees_why_it_was_rejected(self, client, provider, admin, operator):
        r = make_resource(provider=provider, published=False)
        r = actions.resource_submit(actor=admin, resource=r)
        actions.resource_reject(actor=operator, resource=r, reason="请补充计价单位")
        client.force_login(admin)
        html = client.get(r.get_absolute_url()).text
        assert "未通过审核" in html and "请补充计价单位" in html

    def test_an_htmx_get_of_the_panel_returns_only_the_fragment(self, client, provider, admin):
        r = make_resource(provider=provider)
        client.force_login(admin)
        response = client.get(r.get_absolute_url() + "?panel=status", **HTMX)
        assert response.status_code == 200
        assert 'id="status-panel"' in response.text and "<html" not in response.text
        assert response["Vary"] and "HX-Request" in response["Vary"]

    def test_non_numeric_and_unknown_ids_are_404(self, client):
        assert client.get("/resources/999999/").status_code == 404
        assert client.get("/resources/abc/").status_code == 404


# ---------------------------------------------------------------------------------------------
# Create and edit


def common_post(provider, **extra):
    data = {
        "provider": provider.pk,
        "title": "童鞋安全性能检测",
        "category": "检测认证",
        "district": "330302",
        "clusters": ["shoes"],
        "description": "依据 GB 30585-2024 检测。",
        "price": "980",
        "price_unit": "批次",
        "voucher_eligible": "on",
    }
    data.update(extra)
    return data


class TestCreate:
    def test_it_first_asks_for_the_kind(self, client, admin):
        client.force_login(admin)
        page = client.get(reverse("catalog:create"))
        assert page.status_code == 200
        for kind in ResourceKind:
            assert f"?kind={kind.value}" in page.text

    def test_the_form_has_the_kinds_detail_fields(self, client, admin):
        client.force_login(admin)
        page = client.get(reverse("catalog:create") + "?kind=expert")
        assert 'name="detail-person_name"' in page.text and 'name="title"' in page.text
        assert 'name="detail-trl"' not in page.text

    def test_it_creates_a_draft_or_submits_it(self, client, provider, admin):
        client.force_login(admin)
        url = reverse("catalog:create") + "?kind=service"
        response = client.post(url, common_post(provider, **{"detail-lead_time_days": "5"}))
        assert response.status_code == 302
        r = Resource.objects.get(title="童鞋安全性能检测")
        assert response["Location"] == r.get_absolute_url()
        assert r.status == S.DRAFT and r.provider == provider and r.created_by == admin
        assert r.price == Decimal("980") and r.voucher_eligible
        assert list(r.clusters.values_list("code", flat=True)) == ["shoes"]
        assert r.detail.lead_time_days == 5

        client.post(url, common_post(provider, title="第二条", submit="1"))
        assert Resource.objects.get(title="第二条").status == S.SUBMITTED

    def test_an_invalid_patent_shows_the_error_and_creates_nothing(self, client, provider, admin):
        client.force_login(admin)
        url = reverse("catalog:create") + "?kind=achievement"
        bad = common_post(provider, **{"detail-patents": "201710601862.4", "detail-trl": "6"})
        response = client.post(url, bad)
        assert response.status_code == 400
        assert "专利申请号校验位不正确" in response.text
        assert not Resource.objects.exists()

        good = common_post(provider, **{"detail-patents": "ZL 201710601862.3", "detail-trl": "6"})
        assert client.post(url, good).status_code == 302
        assert AchievementDetail.objects.get().patents == "201710601862.3"

    @pytest.mark.parametrize("trl", ["0", "10"])
    def test_a_trl_outside_1_to_9_is_refused(self, client, provider, admin, trl):
        client.force_login(admin)
        url = reverse("catalog:create") + "?kind=achievement"
        response = client.post(url, common_post(provider, **{"detail-trl": trl}))
        assert response.status_code == 400 and not Resource.objects.exists()

    def test_the_partner_agreement_must_end_after_it_starts(self, client, provider, admin):
        client.force_login(admin)
        url = reverse("catalog:create") + "?kind=partner"
        data = common_post(
            provider,
            **{
                "detail-country": "意大利",
                "detail-agreement_status": "signed",
                "detail-agreement_start": "2025-01-01",
                "detail-agreement_end": "2024-01-01",
            },
        )
        response = client.post(url, data)
        assert response.status_code == 400 and "协议到期日不能早于生效日" in response.text

    def test_only_verified_organisations_of_the_user_are_offered(self, client, provider, admin):
        pending = make_org(kind=OrgKind.PROVIDER, admin=admin, name="待认证检测所")
        other = make_provider(name="别家机构")
        client.force_login(admin)
        url = reverse("catalog:create") + "?kind=service"
        page = client.get(url).text
        assert "温州鞋革检测中心" in page and "待认证检测所" not in page and "别家机构" not in page
        for org in (pending, other):
            response = client.post(url, common_post(org))
            assert response.status_code == 400
        assert not Resource.objects.exists()

    def test_a_user_without_a_verified_organisation_is_told_so(self, client):
        user = make_user()
        make_org(kind=OrgKind.PROVIDER, admin=user)  # pending
        client.force_login(user)
        page = client.get(reverse("catalog:create") + "?kind=service")
        assert "您还没有可以发布资源的机构" in page.text and 'name="title"' not in page.text

    def test_a_policy_attachment_is_checked_renamed_and_served(self, client, provider, admin):
        client.force_login(admin)
        url = reverse("catalog:create") + "?kind=policy"
        data = common_post(provider, title="创新券管理办法", **{"detail-issuer": "温州市科技局"})
        data["detail-attachment"] = SimpleUploadedFile("x.pdf", b"not a pdf")
        response = client.post(url, data)
        assert response.status_code == 400 and "不是有效的" in response.text

        data["detail-attachment"] = SimpleUploadedFile("办法 原文.pdf", pdf_bytes())
        assert client.post(url, data).status_code == 302
        r = Resource.objects.get(title="创新券管理办法")
        assert r.detail.attachment.name.endswith(".pdf") and "原文" not in r.detail.attachment.name
        served = client.get(reverse("catalog:attachment", args=[r.pk]))
        assert served.status_code == 200 and served["Content-Type"] == "application/pdf"
        assert b"".join(served.streaming_content).startswith(b"%PDF-")
        client.logout()  # a draft's attachment is as private as the draft
        assert client.get(reverse("catalog:attachment", args=[r.pk])).status_code == 404


class TestEdit:
    def test_it_saves_through_the_action_with_an_audit_diff(self, client, provider, admin):
        r = make_resource(provider=provider, kind=ResourceKind.INSTRUMENT, title="扫描仪")
        client.force_login(admin)
        url = reverse("catalog:edit", args=[r.pk])
        assert client.get(url).status_code == 200
        data = common_post(provider, title="三维足型扫描仪")
        data.pop("provider")
        data.update({"detail-model_number": "INFOOT", "detail-sharing_status": "open"})
        response = client.post(url, data)
        assert response.status_code == 302
        r = fresh(r)
        assert r.title == "三维足型扫描仪" and r.detail.model_number == "INFOOT"
        assert r.status == S.PUBLISHED
        entry = AuditEntry.objects.filter(verb="resource.update", object_id=str(r.pk)).get()
        assert entry.changes["title"] == ["扫描仪", "三维足型扫描仪"]

    def test_save_and_resubmit_a_rejected_listing(self, client, provider, admin, operator):
        r = actions.resource_submit(
            actor=admin, resource=make_resource(provider=provider, published=False)
        )
        actions.resource_reject(actor=operator, resource=r, reason="补充价格")
        client.force_login(admin)
        data = common_post(provider, submit="1")
        data.pop("provider")
        client.post(reverse("catalog:edit", args=[r.pk]), data)
        assert fresh(r).status == S.SUBMITTED

    def test_errors_are_shown_and_nothing_changes(self, client, provider, admin):
        r = make_resource(provider=provider, kind=ResourceKind.ACHIEVEMENT, detail={"trl": 3})
        client.force_login(admin)
        data = common_post(provider, title="")
        data.pop("provider")
        response = client.post(reverse("catalog:edit", args=[r.pk]), data)
        assert response.status_code == 400
        assert fresh(r).title != "" and fresh(r).detail.trl == 3


# ---------------------------------------------------------------------------------------------
# Lifecycle buttons


class TestTransitions:
    def test_a_plain_post_redirects_with_a_message(self, client, provider, admin):
        r = make_resource(provider=provider, published=False)
        client.force_login(admin)
        response = client.post(reverse("catalog:transition", args=[r.pk, "submit"]), follow=True)
        assert fresh(r).status == S.SUBMITTED
        assert response.redirect_chain[-1][0] == r.get_absolute_url()
        assert "已提交审核" in response.text

    def test_it_refuses_get(self, client, provider, admin):
        r = make_resource(provider=provider, published=False)
        client.force_login(admin)
        assert client.get(reverse("catalog:transition", args=[r.pk, "submit"])).status_code == 405
        assert fresh(r).status == S.DRAFT

    def test_htmx_gets_the_refreshed_status_panel(self, client, provider, admin):
        r = make_resource(provider=provider, published=False)
        client.force_login(admin)
        response = client.post(
            reverse("catalog:transition", args=[r.pk, "submit"]), {"panel": "status"}, **HTMX
        )
        assert response.status_code == 200 and "<html" not in response.text
        assert 'id="status-panel"' in response.text and "待审核" in response.text
        assert 'hx-swap-oob="true"' in response.text  # header badge refreshed too

    def test_htmx_row_and_queue_fragments(self, client, provider, admin, operator):
        r = make_resource(provider=provider, published=False)
        client.force_login(admin)
        row = client.post(
            reverse("catalog:transition", args=[r.pk, "submit"]), {"panel": "row"}, **HTMX
        )
        assert f'id="resource-row-{r.pk}"' in row.text and "<html" not in row.text
        client.force_login(operator)
        card = client.post(
            reverse("catalog:transition", args=[r.pk, "publish"]), {"panel": "queue"}, **HTMX
        )
        assert f'id="queue-item-{r.pk}"' in card.text and "已发布" in card.text
        assert fresh(r).status == S.PUBLISHED
        # The count in the page head follows, out of band.
        assert '<div class="text-secondary small mt-1" id="queue-count"' in card.text
        assert 'hx-swap-oob="true">0 条资源等待审核' in card.text

    def test_reject_without_a_reason_is_refused_and_nothing_changes(
        self, client, provider, admin, operator
    ):
        r = actions.resource_submit(
            actor=admin, resource=make_resource(provider=provider, published=False)
        )
        client.force_login(operator)
        url = reverse("catalog:transition", args=[r.pk, "reject"])
        response = client.post(url, {"reason": "  ", "panel": "queue"}, **HTMX)
        assert "「驳回」必须填写原因。" in response.text
        response = client.post(url, {"reason": ""}, follow=True)
        assert "「驳回」必须填写原因。" in response.text
        assert fresh(r).status == S.SUBMITTED
        assert not StatusChange.objects.filter(to_state=S.REJECTED).exists()

    def test_an_invalid_move_is_explained_and_changes_nothing(self, client, provider, admin):
        r = make_resource(provider=provider, published=False)
        client.force_login(admin)
        url = reverse("catalog:transition", args=[r.pk, "restore"])
        response = client.post(url, {"panel": "status"}, **HTMX)
        assert "当前状态为「草稿」，不能执行「恢复为草稿」。" in response.text
        assert fresh(r).status == S.DRAFT

    def test_next_must_stay_on_this_site(self, client, provider, admin):
        r = make_resource(provider=provider, published=False)
        client.force_login(admin)
        url = reverse("catalog:transition", args=[r.pk, "submit"])
        response = client.post(url, {"next": "https://evil.example/"})
        assert response["Location"] == r.get_absolute_url()
        r2 = make_resource(provider=provider, published=False)
        url = reverse("catalog:transition", args=[r2.pk, "submit"])
        response = client.post(url, {"next": "/resources/mine/?status=draft"})
        assert response["Location"] == "/resources/mine/?status=draft"

    def test_confirm_from_the_stale_list(self, client, provider, admin):
        r = make_resource(provider=provider)
        Resource.objects.filter(pk=r.pk).update(
            last_verified_at=timezone.now() - timedelta(days=800)
        )
        client.force_login(admin)
        client.post(reverse("catalog:transition", args=[r.pk, "confirm"]))
        assert not fresh(r).is_stale


# ---------------------------------------------------------------------------------------------
# Lists: my resources, moderation queue, provider page


def populate(provider, operator, n):
    for i in range(n):
        kind = list(ResourceKind)[i % 6]
        r = make_resource(provider=provider, kind=kind, published=False, title=f"资源{i:02d}")
        if i % 3:
            actions.resource_submit(actor=operator, resource=r)


class TestMine:
    def test_it_lists_every_state_with_counts_and_filters(self, client, provider, admin, operator):
        make_resource(provider=provider, title="已发布的检测")
        make_resource(provider=provider, title="草稿的检测", published=False)
        make_resource(provider=make_provider(), title="别家的检测")
        client.force_login(admin)
        page = client.get(reverse("catalog:mine"))
        assert page.status_code == 200
        assert "已发布的检测" in page.text and "草稿的检测" in page.text
        assert "别家的检测" not in page.text
        assert page.context["total"] == 2
        drafts = client.get(reverse("catalog:mine") + "?status=draft")
        assert "草稿的检测" in drafts.text and "已发布的检测" not in drafts.text
        htmx = client.get(reverse("catalog:mine") + "?status=draft", **HTMX)
        assert 'id="mine-results"' in htmx.text and "<html" not in htmx.text

    def test_a_user_without_organisations_is_invited_to_register(self, client):
        client.force_login(make_user())
        page = client.get(reverse("catalog:mine"))
        assert "您还没有加入任何机构" in page.text

    def test_anonymous_is_sent_to_login(self, client):
        response = client.get(reverse("catalog:mine"))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    def test_query_count_does_not_grow_with_rows(
        self, client, provider, admin, operator, django_assert_max_num_queries
    ):
        populate(provider, operator, 3)
        client.force_login(admin)
        client.get(reverse("catalog:mine"))  # warm caches (content types, sessions)
        with django_assert_max_num_queries(10) as few:
            client.get(reverse("catalog:mine"))
        populate(provider, operator, 15)
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = client.get(reverse("catalog:mine"))
        assert "资源14" in response.text


class TestModeration:
    def test_oldest_submission_first(self, client, provider, admin, operator):
        first = make_resource(provider=provider, published=False, title="先提交的")
        second = make_resource(provider=provider, published=False, title="后提交的")
        actions.resource_submit(actor=admin, resource=first)
        actions.resource_submit(actor=admin, resource=second)
        # Touching the first listing later must not push it back in the queue.
        actions.resource_update(actor=admin, resource=fresh(first), keywords="更新")
        client.force_login(operator)
        html = client.get(reverse("catalog:moderation")).text
        assert html.index("先提交的") < html.index("后提交的")

    def test_publish_inline(self, client, provider, admin, operator):
        r = actions.resource_submit(
            actor=admin, resource=make_resource(provider=provider, published=False)
        )
        client.force_login(operator)
        response = client.post(
            reverse("catalog:transition", args=[r.pk, "publish"]),
            {"note": "资料齐全", "next": reverse("catalog:moderation")},
        )
        assert response["Location"] == reverse("catalog:moderation")
        assert fresh(r).status == S.PUBLISHED

    def test_query_count_does_not_grow_with_rows(
        self, client, provider, operator, django_assert_max_num_queries
    ):
        populate(provider, operator, 3)
        client.force_login(operator)
        client.get(reverse("catalog:moderation"))
        with django_assert_max_num_queries(8) as few:
            client.get(reverse("catalog:moderation"))
        populate(provider, operator, 15)
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = client.get(reverse("catalog:moderation"))
        assert response.context["page"].paginator.count == 12


class TestProviderPage:
    def test_published_listings_grouped_by_kind(self, client, provider, admin):
        make_resource(provider=provider, title="检测服务甲")
        make_resource(provider=provider, kind=ResourceKind.EXPERT, title="鞋楦专家")
        make_resource(provider=provider, title="未公开草稿", published=False)
        page = client.get(reverse("catalog:provider", args=[provider.pk]))
        assert page.status_code == 200
        assert [info.value for info, _ in page.context["groups"]] == ["service", "expert"]
        assert "检测服务甲" in page.text and "鞋楦专家" in page.text
        assert "未公开草稿" not in page.text
        client.force_login(admin)
        assert "未公开草稿" in client.get(reverse("catalog:provider", args=[provider.pk])).text

    def test_an_unverified_organisation_is_404_to_the_public(self, client):
        pending = make_org(kind=OrgKind.PROVIDER)
        assert client.get(reverse("catalog:provider", args=[pending.pk])).status_code == 404

    def test_query_count_does_not_grow_with_rows(
        self, client, provider, operator, django_assert_max_num_queries
    ):
        for i in range(3):
            make_resource(provider=provider, kind=list(ResourceKind)[i % 6], actor=operator)
        client.get(reverse("catalog:provider", args=[provider.pk]))
        with django_assert_max_num_queries(6) as few:
            client.get(reverse("catalog:provider", args=[provider.pk]))
        for i in range(15):
            make_resource(provider=provider, kind=list(ResourceKind)[i % 6], actor=operator)
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = client.get(reverse("catalog:provider", args=[provider.pk]))
        assert response.context["published_count"] == 18


class TestAdmin:
    def test_changelist_and_change_page_with_the_kinds_inline(self, client, provider):
        r = make_resource(provider=provider, kind=ResourceKind.EXPERT, detail={"person_name": "张"})
        client.force_login(make_user(Role.SYSADMIN))
        changelist = client.get(reverse("admin:catalog_resource_changelist") + "?status=published")
        assert changelist.status_code == 200 and r.title in changelist.text
        page = client.get(reverse("admin:catalog_resource_change", args=[r.pk]))
        assert page.status_code == 200
        assert "expert_detail-0-person_name" in page.text
        assert "service_detail-0" not in page.text
        assert 'name="status"' not in page.text  # read-only: moves go through the lifecycle

    def test_bulk_archive_goes_through_the_action(self, client, provider):
        r = make_resource(provider=provider)
        client.force_login(make_user(Role.SYSADMIN))
        client.post(
            reverse("admin:catalog_resource_changelist"),
            {"action": "archive_selected", "_selected_action": [r.pk]},
        )
        assert fresh(r).status == S.ARCHIVED
        assert StatusChange.objects.filter(event="archive", object_id=str(r.pk)).exists()
