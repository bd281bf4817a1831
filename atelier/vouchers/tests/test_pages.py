"""The voucher pages: each renders for its role and refuses the others (404 for objects outside
the user's scope, guessed ids included); every write goes through the actions; bad input
changes nothing."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user
from atelier.orgs.models import Membership

from .. import actions
from ..models import (
    Application,
    ApplicationStatus,
    Claim,
    Programme,
    RuleSet,
    UseStatus,
    Voucher,
    VoucherUse,
)
from .factories import (
    documents,
    enrolled_provider,
    finance,
    issued_voucher,
    make_enterprise,
    make_programme,
    member_of,
    operator,
    reviewer,
)

pytestmark = pytest.mark.django_db


def used(voucher, provider, price="8000", confirm=True):
    use = actions.reserve(
        member_of(voucher.enterprise),
        voucher,
        provider=provider,
        price=price,
        service="鞋底剥离强度检测",
    )
    if confirm:
        actions.use_confirm(member_of(voucher.enterprise), use)
    return use


def claimed(voucher, provider, invoice="INV-001", price="8000"):
    use = used(voucher, provider, price=price)
    return actions.claim_submit(
        member_of(provider), use, mode="tongdui", invoice_no=invoice,
        documents=documents(invoice), idempotency_key=f"key-{invoice}",
    )  # fmt: skip


@pytest.fixture
def world():
    """A 鹿城区 programme with an enrolled provider and an enterprise holding a voucher."""
    programme = make_programme()
    provider = enrolled_provider(programme)
    voucher = issued_voucher(programme)
    return programme, provider, voucher


def login(client, user):
    client.force_login(user)
    return client


# ---------------------------------------------------------------- programmes


class TestProgrammes:
    def test_list_shows_open_programmes_first_to_anyone(self, client):
        closed = make_programme(status="closed", name="已截止的项目")
        open_ = make_programme(name="受理中的项目")
        html = client.get(reverse("vouchers:list")).content.decode()
        assert html.index(open_.name) < html.index(closed.name)

    def test_detail_shows_rules_in_plain_chinese_budget_and_providers(self, client, world):
        programme, provider, voucher = world
        r = client.get(reverse("vouchers:programme", args=[programme.pk]))
        html = r.content.decode()
        assert r.status_code == 200
        assert "10,000 元以内按 100% 补助" in html and "第 1 版" in html
        assert provider.name in html
        assert "20,000" in html  # granted so far, from the ledger
        assert reverse("vouchers:rules", args=[programme.pk]) not in html

    def test_a_draft_programme_is_hidden_from_the_public(self, client):
        draft = make_programme(status="draft")
        assert client.get(reverse("vouchers:programme", args=[draft.pk])).status_code == 404
        login(client, operator())
        assert client.get(reverse("vouchers:programme", args=[draft.pk])).status_code == 200
        assert client.get(reverse("vouchers:programme", args=[99999])).status_code == 404

    def test_operator_creates_a_programme_and_publishes_rules(self, client):
        login(client, operator())
        today = timezone.localdate()
        r = client.post(
            reverse("vouchers:programme_create"),
            {
                "name": "瓯海区创新券", "authority": "瓯海区科技局", "district": "330304",
                "year": today.year, "batch": 7, "opens_on": today, "closes_on": today,
                "budget_yuan": "500000.50", "status": "open", "categories": "检测认证",
            },
        )  # fmt: skip
        programme = Programme.objects.get(name="瓯海区创新券")
        assert r.status_code == 302 and programme.budget_fen == 50_000_050
        r = client.post(
            reverse("vouchers:rules", args=[programme.pk]),
            {
                "per_draw_cap": "20000", "holding_cap": "50000", "yearly_cap": "100000",
                "validity_days": 90, "redeem_days": 60, "notice_days": 5,
                "spot_check_percent": 5, "modes": ["tongdui", "tongyong"],
                "upper_0": "10000", "ratio_0": 100, "upper_1": "", "ratio_1": 50,
            },
        )  # fmt: skip
        assert r.status_code == 302
        rules = programme.rules()
        assert rules.bands == [[1_000_000, 100], [None, 50]] and rules.holding_cap_fen == 5_000_000

    def test_bad_rules_are_refused_and_nothing_is_published(self, client):
        programme = make_programme()
        login(client, operator())
        r = client.post(
            reverse("vouchers:rules", args=[programme.pk]),
            {
                "per_draw_cap": "60000", "holding_cap": "50000", "yearly_cap": "100000",
                "validity_days": 90, "redeem_days": 60, "notice_days": 5,
                "spot_check_percent": 5, "modes": ["tongdui"],
                "upper_0": "10000", "ratio_0": 100, "upper_1": "5000", "ratio_1": 50,
            },
        )  # fmt: skip
        assert r.status_code == 400
        assert "单次 ≤ 持有 ≤ 年度" in r.content.decode()
        assert RuleSet.objects.filter(programme=programme).count() == 1

    def test_only_operators_manage_programmes(self, client, world):
        programme = world[0]
        for user in (make_user(), reviewer(), finance(), make_user(Role.AUDITOR)):
            login(client, user)
            assert client.get(reverse("vouchers:programme_create")).status_code == 403
            assert client.get(reverse("vouchers:rules", args=[programme.pk])).status_code == 403

    def test_a_provider_enrols_and_a_reviewer_accepts(self, client, world):
        from atelier.catalog.tests.factories import make_provider

        programme = world[0]
        provider = make_provider()
        login(client, member_of(provider))
        r = client.post(reverse("vouchers:enrol", args=[programme.pk]), {"org": provider.pk})
        assert r.status_code == 302
        enrolment = programme.enrolments.get(provider=provider)
        assert enrolment.status == "pending"
        login(client, reviewer("330304"))  # another district: not allowed
        url = reverse("vouchers:enrolment_decide", args=[programme.pk, enrolment.pk, "accept"])
        client.post(url)
        enrolment.refresh_from_db()
        assert enrolment.status == "pending"
        login(client, reviewer())
        client.post(url)
        enrolment.refresh_from_db()
        assert enrolment.status == "accepted"


# ---------------------------------------------------------------- the enterprise


class TestEnterprise:
    def test_workspace_shows_balances_deadlines_and_next_steps(self, client, world):
        programme, provider, voucher = world
        used(voucher, provider, confirm=False)
        r = login(client, member_of(voucher.enterprise)).get(reverse("vouchers:mine"))
        html = r.content.decode()
        assert r.status_code == 200
        assert voucher.code in html
        assert "12,000.00" in html and "8,000.00" in html  # available, reserved
        assert "还剩 90 天" in html
        assert "确认服务" in html and "使用创新券" in html

    def test_another_enterprise_sees_nothing_of_it(self, client, world):
        voucher = world[2]
        other = make_enterprise()
        login(client, member_of(other))
        html = client.get(reverse("vouchers:mine")).content.decode()
        assert voucher.code not in html
        assert client.get(reverse("vouchers:voucher", args=[voucher.pk])).status_code == 404
        assert client.get(reverse("vouchers:voucher", args=[99999])).status_code == 404
        use = used(voucher, world[1], confirm=False)
        r = client.post(reverse("vouchers:use_event", args=[use.pk, "confirm"]))
        assert r.status_code == 404

    def test_apply_form_shows_the_checks_live(self, client, world):
        programme = world[0]
        enterprise = make_enterprise()
        login(client, member_of(enterprise))
        url = reverse("vouchers:apply_check", args=[programme.pk])
        r = client.post(
            url, {"enterprise": enterprise.pk, "amount": "60000"}, HTTP_HX_REQUEST="true"
        )
        html = r.content.decode()
        assert r.status_code == 200 and "<html" not in html
        assert 'data-ok="0"' in html and "不超过 50,000.00 元" in html
        r = client.post(
            url, {"enterprise": enterprise.pk, "amount": "20000"}, HTTP_HX_REQUEST="true"
        )
        assert 'data-ok="0"' not in r.content.decode()

    def test_apply_refuses_an_amount_above_the_cap_and_creates_nothing(self, client, world):
        programme = world[0]
        enterprise = make_enterprise()
        login(client, member_of(enterprise))
        r = client.post(
            reverse("vouchers:apply", args=[programme.pk]),
            {"enterprise": enterprise.pk, "amount": "60000", "purpose": "检测"},
        )
        html = r.content.decode()
        assert r.status_code == 400
        assert "不符合申领条件" in html and "不超过 50,000.00 元" in html
        assert not Application.objects.filter(enterprise=enterprise).exists()

    def test_apply_within_the_caps_goes_to_review(self, client, world):
        programme = world[0]
        enterprise = make_enterprise()
        login(client, member_of(enterprise))
        r = client.post(
            reverse("vouchers:apply", args=[programme.pk]),
            {"enterprise": enterprise.pk, "amount": "15000.50", "purpose": "鞋类检测"},
        )
        assert r.status_code == 302 and r["Location"] == reverse("vouchers:mine")
        application = Application.objects.get(enterprise=enterprise)
        assert application.amount_fen == 1_500_050 and application.status == "submitted"

    def test_apply_for_someone_elses_enterprise_is_refused(self, client, world):
        programme = world[0]
        mine, theirs = make_enterprise(), make_enterprise()
        login(client, member_of(mine))
        r = client.post(
            reverse("vouchers:apply", args=[programme.pk]),
            {"enterprise": theirs.pk, "amount": "100", "purpose": "x"},
        )
        assert r.status_code == 400
        assert not Application.objects.filter(enterprise=theirs).exists()

    def test_reserve_shows_the_voucher_part_and_reserves_it(self, client, world):
        programme, provider, voucher = world
        login(client, member_of(voucher.enterprise))
        r = client.get(reverse("vouchers:quote", args=[voucher.pk]), {"price": "16000"})
        assert "¥13,000.00" in r.content.decode() and "¥3,000.00" in r.content.decode()
        r = client.post(
            reverse("vouchers:reserve", args=[voucher.pk]),
            {"provider": provider.pk, "service": "鞋类检测", "price": "16000"},
        )
        assert r.status_code == 302
        voucher.refresh_from_db()
        assert voucher.reserved_fen == 1_300_000 and voucher.available_fen == 700_000

    def test_reserve_with_an_unenrolled_provider_changes_nothing(self, client, world):
        from atelier.catalog.tests.factories import make_provider

        voucher = world[2]
        login(client, member_of(voucher.enterprise))
        r = client.post(
            reverse("vouchers:reserve", args=[voucher.pk]),
            {"provider": make_provider().pk, "service": "鞋类检测", "price": "1000"},
        )
        assert r.status_code == 400
        assert not VoucherUse.objects.exists()

    def test_confirm_and_tongyong_claim_by_the_enterprise(self, client, world):
        programme, provider, voucher = world
        use = used(voucher, provider, confirm=False)
        login(client, member_of(voucher.enterprise))
        client.post(reverse("vouchers:use_event", args=[use.pk, "confirm"]))
        use.refresh_from_db()
        assert use.status == UseStatus.CONFIRMED
        r = client.get(reverse("vouchers:claim_submit", args=[use.pk]))
        assert r.status_code == 200 and "通用" in r.content.decode()
        data = {
            "invoice_no": "TY-1",
            "idempotency_key": r.context["form"]["idempotency_key"].value(),
        }
        r = client.post(
            reverse("vouchers:claim_submit", args=[use.pk]), {**data, **documents("ty")}
        )
        claim = Claim.objects.get(use=use)
        assert r.status_code == 302 and claim.mode == "tongyong"
        assert claim.claimant_id == voucher.enterprise_id


# ---------------------------------------------------------------- the provider


class TestProvider:
    def test_workspace_lists_services_to_claim_and_claims(self, client, world):
        programme, provider, voucher = world
        use = used(voucher, provider)
        other_claim = claimed(issued_voucher(programme), enrolled_provider(programme), "INV-X")
        r = login(client, member_of(provider)).get(reverse("vouchers:provider"))
        html = r.content.decode()
        assert r.status_code == 200
        assert reverse("vouchers:claim_submit", args=[use.pk]) in html
        assert other_claim.invoice_no not in html
        assert client.get(reverse("vouchers:claim", args=[other_claim.pk])).status_code == 404

    def test_a_double_submitted_claim_creates_one_claim(self, client, world):
        programme, provider, voucher = world
        use = used(voucher, provider)
        login(client, member_of(provider))
        form = client.get(reverse("vouchers:claim_submit", args=[use.pk])).context["form"]
        key = form["idempotency_key"].value()
        assert key and len(key) >= 20
        docs = documents("double")
        payloads = []
        for _ in range(2):
            for f in docs.values():
                f.seek(0)
            payloads.append({"invoice_no": "inv-777", "idempotency_key": key, **docs})
        first = client.post(reverse("vouchers:claim_submit", args=[use.pk]), payloads[0])
        second = client.post(reverse("vouchers:claim_submit", args=[use.pk]), payloads[1])
        assert Claim.objects.count() == 1
        claim = Claim.objects.get()
        assert first.status_code == second.status_code == 302
        assert first["Location"] == second["Location"] == reverse("vouchers:claim", args=[claim.pk])
        assert claim.invoice_no == "INV-777" and claim.documents.count() == 4

    def test_a_claim_with_a_missing_document_is_refused(self, client, world):
        programme, provider, voucher = world
        use = used(voucher, provider)
        login(client, member_of(provider))
        docs = documents()
        docs.pop("report")
        r = client.post(
            reverse("vouchers:claim_submit", args=[use.pk]),
            {"invoice_no": "A1", "idempotency_key": "k-missing", **docs},
        )
        assert r.status_code == 400
        assert not Claim.objects.exists()
        use.refresh_from_db()
        assert use.status == UseStatus.CONFIRMED

    def test_a_reused_invoice_number_is_refused_in_chinese(self, client, world):
        programme, provider, voucher = world
        claimed(voucher, provider, "DUP-1", price="3000")
        use = used(voucher, provider, price="3000")
        login(client, member_of(provider))
        r = client.post(
            reverse("vouchers:claim_submit", args=[use.pk]),
            {"invoice_no": "dup-1", "idempotency_key": "k-dup", **documents("dup")},
        )
        assert r.status_code == 400 and "发票号码 DUP-1 已被使用" in r.content.decode()
        assert Claim.objects.count() == 1


# ---------------------------------------------------------------- documents


class TestDocuments:
    def test_documents_are_served_only_through_the_checked_view(self, client, world):
        programme, provider, voucher = world
        claim = claimed(voucher, provider)
        doc = claim.documents.get(kind="invoice")
        url = reverse("vouchers:document", args=[claim.pk, doc.pk])
        for user in (member_of(provider), member_of(voucher.enterprise), reviewer(), finance()):
            r = login(client, user).get(url)
            assert r.status_code == 200 and r["Cache-Control"] == "private, no-store"
            assert b"".join(r.streaming_content).startswith(b"%PDF")
        for user in (member_of(make_enterprise()), reviewer("330304")):
            assert login(client, user).get(url).status_code == 404
        client.logout()
        assert client.get(url).status_code == 302  # to the login page
        login(client, reviewer())
        html = client.get(reverse("vouchers:claim", args=[claim.pk])).content.decode()
        assert doc.file.url not in html and "/media/" not in html
        assert client.get(reverse("vouchers:document", args=[claim.pk, 99999])).status_code == 404


# ---------------------------------------------------------------- the reviewer


class TestReviewer:
    def test_queue_shows_the_district_applications_with_checks(self, client, world):
        programme = world[0]
        enterprise = make_enterprise()
        actions.apply(member_of(enterprise), programme, enterprise, amount="5000", purpose="检测")
        r = login(client, reviewer()).get(reverse("vouchers:review"))
        html = r.content.decode()
        assert r.status_code == 200 and enterprise.name in html
        assert "企业已通过实名认证" in html and "批准发券" in html

    def test_a_reviewer_of_another_district_sees_nothing_and_gets_404(self, client, world):
        programme, provider, voucher = world
        enterprise = make_enterprise()
        application = actions.apply(
            member_of(enterprise), programme, enterprise, amount="5000", purpose="检测"
        )
        claim = claimed(voucher, provider)
        login(client, reviewer("330304"))
        assert enterprise.name not in client.get(reverse("vouchers:review")).content.decode()
        html = client.get(reverse("vouchers:review_claims")).content.decode()
        assert claim.invoice_no not in html
        for url in (
            reverse("vouchers:application", args=[application.pk]),
            reverse("vouchers:claim", args=[claim.pk]),
            reverse("vouchers:voucher", args=[voucher.pk]),
        ):
            assert client.get(url).status_code == 404
        r = client.post(reverse("vouchers:application_decide", args=[application.pk, "approve"]))
        assert r.status_code == 404
        r = client.post(reverse("vouchers:claim_review", args=[claim.pk]), {"approved": "0"})
        assert r.status_code == 404
        application.refresh_from_db()
        assert application.status == ApplicationStatus.SUBMITTED

    def test_a_city_wide_programme_is_reviewed_by_any_reviewer(self, client):
        programme = make_programme(district=None, authority="温州市科学技术局")
        enterprise = make_enterprise("330304")
        application = actions.apply(
            member_of(enterprise), programme, enterprise, amount="5000", purpose="检测"
        )
        login(client, reviewer("330381"))
        url = reverse("vouchers:application_decide", args=[application.pk, "approve"])
        assert client.post(url).status_code == 302
        assert Voucher.objects.filter(application=application).exists()

    def test_bulk_approve_reports_each_row(self, client):
        programme = make_programme(budget="30000")
        small, big = make_enterprise(), make_enterprise()
        a1 = actions.apply(member_of(small), programme, small, amount="5000", purpose="检测")
        a2 = actions.apply(member_of(big), programme, big, amount="30000", purpose="检测")
        login(client, reviewer())
        r = client.post(reverse("vouchers:bulk_approve"), {"ids": [a1.pk, a2.pk, 99999]})
        assert r.status_code == 302
        r = client.get(reverse("vouchers:review"))
        results = r.context["results"]
        assert [row["ok"] for row in results] == [True, False, False]
        assert "预算已用完" in results[1]["text"] and "不存在" in results[2]["text"]
        assert "预算已用完" in r.content.decode()
        a1.refresh_from_db(), a2.refresh_from_db()
        assert a1.status == "approved" and a2.status == "submitted"
        assert client.get(reverse("vouchers:review")).context["results"] is None

    def test_reject_needs_a_reason(self, client, world):
        programme = world[0]
        enterprise = make_enterprise()
        application = actions.apply(
            member_of(enterprise), programme, enterprise, amount="5000", purpose="检测"
        )
        login(client, reviewer())
        url = reverse("vouchers:application_decide", args=[application.pk, "reject"])
        client.post(url, {"reason": ""})
        application.refresh_from_db()
        assert application.status == "submitted"
        client.post(url, {"reason": "用途与项目不符"})
        application.refresh_from_db()
        assert application.status == "rejected"

    def test_claim_review_with_a_cut_and_numbered_reasons(self, client, world):
        programme, provider, voucher = world
        claim = claimed(voucher, provider)
        login(client, reviewer())
        html = client.get(reverse("vouchers:claim", args=[claim.pk])).content.decode()
        assert "合同" in html and "服务成果报告" in html and "提交审核结果" in html
        url = reverse("vouchers:claim_review", args=[claim.pk])
        r = client.post(url, {"approved": "7000", "reasons": ""})
        assert r.status_code == 400 and "核减或驳回须写明理由" in r.content.decode()
        claim.refresh_from_db()
        assert claim.approved_fen is None
        r = client.post(url, {"approved": "7000.00", "reasons": "超出合同范围\n报告缺页"})
        assert r.status_code == 302
        claim.refresh_from_db()
        assert claim.approved_fen == 700_000
        assert claim.reasons == [{"no": 1, "text": "超出合同范围"}, {"no": 2, "text": "报告缺页"}]
        html = client.get(reverse("vouchers:claim", args=[claim.pk])).content.decode()
        assert "报告缺页" in html and "提交审核结果" not in html

    def test_members_are_refused_the_staff_pages(self, client, world):
        login(client, member_of(world[2].enterprise))
        for name in ("review", "review_claims", "finance", "ledger"):
            assert client.get(reverse(f"vouchers:{name}")).status_code == 403


# ---------------------------------------------------------------- finance and audit


def noticed_claims(programme, provider, n=2):
    claims = []
    for i in range(n):
        claim = claimed(issued_voucher(programme), provider, f"FIN-{i}", price=f"{1234.56 + i}")
        actions.claim_review(reviewer(), claim, approved=str(claim.claimed_fen / 100))
        claims.append(claim)
    return claims


class TestFinance:
    def test_finance_makes_approves_and_pays_a_batch(self, client, world):
        programme, provider, voucher = world
        claims = noticed_claims(programme, provider)
        yesterday = timezone.localdate() - timedelta(days=1)
        Claim.objects.filter(pk__in=[c.pk for c in claims]).update(notice_until=yesterday)
        login(client, finance())
        html = client.get(reverse("vouchers:finance")).content.decode()
        assert programme.name in html and "生成批次" in html
        r = client.post(reverse("vouchers:batch_create", args=[programme.pk]))
        batch = programme.batches.get()
        assert r["Location"] == reverse("vouchers:batch", args=[batch.pk])
        html = client.get(r["Location"]).content.decode()
        assert "2,470.12" in html and "审批拨付" in html
        client.post(reverse("vouchers:batch_event", args=[batch.pk, "approve"]))
        client.post(reverse("vouchers:batch_event", args=[batch.pk, "paid"]))
        batch.refresh_from_db()
        assert batch.status == "paid"
        assert set(
            VoucherUse.objects.filter(claim__batch=batch).values_list("status", flat=True)
        ) == {"paid"}
        html = client.get(reverse("vouchers:ledger")).content.decode()
        assert "2,470.12" in html and "bi-x-circle-fill text-danger" not in html

    def test_the_bank_xlsx_has_exact_amounts(self, client, world):
        programme, provider, voucher = world
        claims = noticed_claims(programme, provider)
        tomorrow = timezone.localdate() + timedelta(days=10)
        batch = actions.batch_create(finance(), programme, today=tomorrow)
        r = login(client, finance()).get(reverse("vouchers:batch_xlsx", args=[batch.pk]))
        assert r.status_code == 200 and r["Content-Type"].startswith(
            "application/vnd.openxmlformats"
        )
        ws = load_workbook(io.BytesIO(r.content)).active
        rows = list(ws.iter_rows(values_only=True))
        assert rows[0][:6] == (
            "序号",
            "收款单位",
            "账户名称",
            "金额（元）",
            "兑付申请编号",
            "发票号码",
        )
        body = rows[1:-1]
        assert [r[1] for r in body] == [provider.name, provider.name]
        assert [r[2] for r in body] == [provider.name, provider.name]  # holder = organisation
        amounts = [Decimal(str(r[3])).quantize(Decimal("0.01")) for r in body]
        assert amounts == [Decimal("1234.56"), Decimal("1235.56")]
        assert {r[5] for r in body} == {c.invoice_no for c in claims}
        assert Decimal(str(rows[-1][3])).quantize(Decimal("0.01")) == Decimal("2470.12")
        assert ws["D2"].number_format == "#,##0.00"

    def test_the_xlsx_neutralises_formulas(self, client, world):
        programme, provider, voucher = world
        provider.name = "=HYPERLINK(1)"
        provider.save(update_fields=["name"])
        noticed_claims(programme, provider, n=1)
        batch = actions.batch_create(
            finance(), programme, today=timezone.localdate() + timedelta(10)
        )
        r = login(client, finance()).get(reverse("vouchers:batch_xlsx", args=[batch.pk]))
        ws = load_workbook(io.BytesIO(r.content)).active
        assert ws["B2"].value == "'=HYPERLINK(1)"

    def test_the_auditor_reads_everything_and_presses_nothing(self, client, world):
        programme, provider, voucher = world
        enterprise = make_enterprise()
        application = actions.apply(
            member_of(enterprise), programme, enterprise, amount="5000", purpose="检测"
        )
        claim = claimed(voucher, provider)
        claims = noticed_claims(programme, provider, n=1)
        batch = actions.batch_create(
            finance(), programme, today=timezone.localdate() + timedelta(10)
        )
        login(client, make_user(Role.AUDITOR))
        pages = {
            reverse("vouchers:review"): enterprise.name,
            reverse("vouchers:review_claims"): claim.invoice_no,
            reverse("vouchers:claims"): claims[0].invoice_no,
            reverse("vouchers:application", args=[application.pk]): enterprise.name,
            reverse("vouchers:claim", args=[claim.pk]): claim.invoice_no,
            reverse("vouchers:voucher", args=[voucher.pk]): voucher.code,
            reverse("vouchers:finance"): "",
            reverse("vouchers:batch", args=[batch.pk]): claims[0].invoice_no,
            reverse("vouchers:ledger"): programme.name,
            reverse("vouchers:programme", args=[programme.pk]): programme.name,
        }
        for url, text in pages.items():
            r = client.get(url)
            html = r.content.decode()
            assert r.status_code == 200, url
            assert text in html, url
            body = html[html.index("<main") :]
            assert 'method="post"' not in body.split("</main>")[0], url
        assert client.get(reverse("vouchers:batch_xlsx", args=[batch.pk])).status_code == 200
        # …and a forged POST changes nothing.
        client.post(reverse("vouchers:application_decide", args=[application.pk, "approve"]))
        client.post(reverse("vouchers:batch_event", args=[batch.pk, "approve"]))
        application.refresh_from_db(), batch.refresh_from_db()
        assert application.status == "submitted" and batch.status == "draft"

    def test_batches_are_not_shown_to_reviewers_or_members(self, client, world):
        programme, provider, voucher = world
        noticed_claims(programme, provider, n=1)
        batch = actions.batch_create(
            finance(), programme, today=timezone.localdate() + timedelta(10)
        )
        for user in (reviewer(), member_of(provider)):
            login(client, user)
            assert client.get(reverse("vouchers:batch", args=[batch.pk])).status_code == 404
            assert client.get(reverse("vouchers:batch_xlsx", args=[batch.pk])).status_code == 404


def test_membership_is_what_scopes_a_member(client, world):
    """A user who joins the enterprise sees its vouchers; nothing else is needed."""
    voucher = world[2]
    user = make_user()
    login(client, user)
    assert client.get(reverse("vouchers:voucher", args=[voucher.pk])).status_code == 404
    Membership.objects.create(user=user, organization=voucher.enterprise, role="member")
    assert client.get(reverse("vouchers:voucher", args=[voucher.pk])).status_code == 200
