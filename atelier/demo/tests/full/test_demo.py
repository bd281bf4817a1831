"""The demo data set: accounts, institutions, geography, statuses, the resource library,
idempotence, `atelier demo`.

The base set is loaded once for the package (conftest.py) in a transaction rolled back at the end,
so the other apps' tests never see it; each test runs in its own savepoint on top of it.
"""

import re
from collections import Counter
from datetime import date, datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from atelier.accounts.models import Role, User
from atelier.catalog.models import STALE_AFTER, Resource, ResourceKind, validate_patent_list
from atelier.catalog.searching import search_resources
from atelier.core.models import AuditEntry, Notification, StatusChange
from atelier.core.validators import validate_credit_code
from atelier.core.workflow import history
from atelier.demo import data, library
from atelier.orgs.models import Invitation, Membership, Organization, OrgKind, OrgStatus

LUCHENG, OUHAI = "330302", "330304"


def counts() -> dict[str, int]:
    return {
        "orgs": Organization.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "invitations": Invitation.objects.count(),
        "audit": AuditEntry.objects.count(),
        "status": StatusChange.objects.count(),
        "resources": Resource.objects.count(),
        "notifications": Notification.objects.count(),
    }


def enterprises_by_district(cluster: str) -> Counter:
    orgs = Organization.objects.filter(kind=OrgKind.ENTERPRISE, industries__cluster=cluster)
    return Counter(orgs.distinct().values_list("district_id", flat=True))


class TestGenerator:
    def test_it_is_deterministic(self):
        first, second = data.generate(1), data.generate(1)
        assert [(o.name, o.credit_code, o.status, o.admin) for o in first.orgs] == [
            (o.name, o.credit_code, o.status, o.admin) for o in second.orgs
        ]
        assert first.contacts == second.contacts

    def test_scale_appends_without_changing_the_base_set(self):
        base, bigger = data.generate(1), data.generate(3)
        assert bigger.orgs[: len(base.orgs)] == base.orgs
        extra = bigger.orgs[len(base.orgs) :]
        assert {o.kind for o in extra} == {OrgKind.ENTERPRISE}
        assert len({o.credit_code for o in bigger.orgs}) == len(bigger.orgs)
        assert len({o.name for o in bigger.orgs}) == len(bigger.orgs)

    def test_it_rejects_a_scale_below_one(self):
        with pytest.raises(ValueError):
            data.generate(0)


@pytest.fixture(scope="module")
def listings():
    return data.generate(1).resources


def published(specs):
    return [s for s in specs if s.state == "published"]


class TestLibraryGenerator:
    def test_it_is_deterministic_and_scale_only_appends(self, listings):
        assert data.generate(1).resources == listings
        bigger = data.generate(3).resources
        assert bigger[: len(listings)] == listings
        extra = bigger[len(listings) :]
        assert len(extra) == 2 * len(published(listings)) - 2 * 3  # no foreign experts again
        assert {s.state for s in extra} == {"published"} and {s.batch for s in extra} == {1, 2}
        assert Counter(s.kind for s in extra).keys() == set(ResourceKind.values)
        ids = [s.external_id for s in bigger]
        assert len(set(ids)) == len(ids)
        assert all(re.fullmatch(r"DEMO-[SEIAPC]\d{4}", i) for i in ids)

    def test_about_four_hundred_listings_of_every_kind(self, listings):
        kinds = Counter(s.kind for s in listings)
        assert 380 <= len(listings) <= 480
        assert set(kinds) == set(ResourceKind.values)
        assert kinds["service"] > 150 and kinds["expert"] > 50 and kinds["instrument"] > 50
        assert kinds["achievement"] > 30 and kinds["policy"] > 15 and kinds["partner"] > 20

    def test_texts_prices_and_vouchers_are_realistic(self, listings):
        for s in listings:
            assert 60 <= len(s.description) <= 200, (s.external_id, len(s.description))
            assert s.title and len(s.title) <= 200 and s.category and len(s.keywords) <= 200
        offers = [s for s in listings if s.kind not in ("policy", "partner")]
        assert 0.5 < sum(s.voucher_eligible for s in listings) / len(listings) < 0.7
        assert not any(s.voucher_eligible or s.price for s in listings if s.kind == "policy")
        negotiable = [s for s in offers if s.price is None]
        assert 0.1 < len(negotiable) / len(offers) < 0.4
        assert all(s.price_unit for s in offers if s.price)
        texts = " ".join(s.description for s in listings)
        facts = ["GB 30585-2024", "GB 25038-2024", "GB/T 3903.6-2024", "QB/T 1002", "EN 1811",
                 "GB/T 14214-2019", "GB 18401-2010", "SVHC", "足底压力", "VOC"]  # fmt: skip
        for fact in facts:
            assert fact in texts, fact

    def test_detail_fields_per_kind(self, listings):
        by_kind = {k: [s for s in listings if s.kind == k] for k in ResourceKind.values}
        for s in by_kind["achievement"]:
            assert 1 <= s.detail["trl"] <= 9 and s.detail["transfer_mode"]
            assert s.detail["patents"]
            validate_patent_list(s.detail["patents"])  # valid check characters
            assert s.detail["negotiable"] == (s.price is None)
        for s in by_kind["instrument"]:
            d = s.detail
            assert d["model_number"] and d["maker"] and d["specs"] and d["location"]
            assert d.get("fee_per_hour") is not None or d.get("fee_per_sample") is not None
        assert {s.detail["sharing_status"] for s in by_kind["instrument"]} == {
            "open", "limited", "closed"
        }  # fmt: skip
        for s in by_kind["expert"]:
            assert s.detail["person_name"] in s.title and s.detail["employer"]
        for s in by_kind["policy"]:
            assert re.fullmatch(r".+〔20\d\d〕\d+号", s.detail["document_number"])
            assert s.detail["issuer"] and s.detail["scope"] and s.detail["issued_on"].year >= 2020
        partners = by_kind["partner"]
        foreign = [s for s in partners if s.detail["is_foreign"]]
        assert len(foreign) >= 10 and all(s.detail["country"] != "中国" for s in foreign)
        assert {"意大利", "日本", "德国"} <= {s.detail["country"] for s in foreign}
        statuses = Counter(s.detail["agreement_status"] for s in partners)
        assert statuses["signed"] > statuses["negotiating"] > 0 and statuses["expired"] > 0
        for s in partners:  # fixed dates that read right for years: signed ones run past 2026
            start, end = s.detail["agreement_start"], s.detail["agreement_end"]
            if s.detail["agreement_status"] == "signed":
                assert start < end and end >= date(2027, 1, 1)
            elif s.detail["agreement_status"] == "expired":
                assert start < end < date(2026, 1, 1)

    def test_owners_and_places_fit_the_clusters(self, listings):
        owners = {o.name: o for o in data.generate(1).owners}
        assert {owners[s.owner].kind for s in listings} >= {
            OrgKind.PROVIDER, OrgKind.UNIVERSITY, OrgKind.ASSOCIATION, OrgKind.GOVERNMENT
        }  # fmt: skip
        assert all(o.kind != OrgKind.ENTERPRISE for o in owners.values())
        assert {owners[s.owner].kind for s in listings if s.kind == "policy"} == {
            OrgKind.GOVERNMENT
        }
        eyewear = [s for s in listings if s.clusters == ("eyewear",)]
        assert sum(owners[s.owner].district == OUHAI for s in eyewear) > 0.8 * len(eyewear)
        shoes = [s for s in listings if s.clusters and s.clusters[0] == "shoes"]
        assert sum(owners[s.owner].district == LUCHENG for s in shoes) > 0.7 * len(shoes)

    def test_states_for_moderation_and_stale_examples(self, listings):
        states = Counter(s.state for s in listings)
        assert states["draft"] == 3 and states["submitted"] == 5
        assert states["rejected"] == states["archived"] == 1
        assert all(s.reason for s in listings if s.state in ("rejected", "archived"))
        lab = Counter(s.state for s in listings if s.owner == data.TEST_LAB)
        assert lab["draft"] == lab["submitted"] == 1 and lab["published"] >= 15
        stale = [s for s in listings if s.verified_at]
        assert len(stale) == len(library.STALE) == 6
        assert data.TEST_LAB in {s.owner for s in stale}
        assert all(s.state == "published" and s.verified_at.year <= 2024 for s in stale)


@pytest.mark.django_db
class TestDemoLoad:
    def test_it_creates_one_account_per_role(self, demo):
        users = User.objects.filter(username__in=[a.username for a in data.DEMO_ACCOUNTS])
        assert users.count() == len(data.DEMO_ACCOUNTS)
        assert {u.role for u in users} == set(Role.values)
        by_name = {u.username: u for u in users}
        assert by_name["reviewer_lucheng"].district_id == LUCHENG
        assert by_name["reviewer_ouhai"].district_id == OUHAI
        assert by_name["admin"].is_superuser and by_name["admin"].is_staff
        assert not by_name["operator"].is_superuser
        assert all(u.check_password(data.DEMO_PASSWORD) for u in users)
        assert all(u.email.endswith("@demo.atelier.local") for u in users)

    def test_the_shoe_company_has_an_admin_and_a_member(self, demo):
        company = Organization.objects.get(name=data.SHOE_COMPANY)
        roles = dict(company.memberships.values_list("user__username", "role"))
        assert roles == {"shoe_boss": Membership.Role.ADMIN, "shoe_staff": Membership.Role.MEMBER}
        assert company.district_id == LUCHENG and company.is_verified
        lab = Organization.objects.get(name=data.TEST_LAB)
        assert lab.kind == OrgKind.PROVIDER
        assert lab.memberships.get(user__username="lab_admin").is_admin

    def test_every_credit_code_is_valid(self, demo):
        codes = list(Organization.objects.values_list("credit_code", flat=True))
        assert len(codes) > 300
        for code in codes:
            validate_credit_code(code)

    def test_the_47_shoe_service_institutions_exist(self, demo):
        rows = [r for r in data.read_institutions() if r.group == "shoe_service"]
        assert len(rows) == data.SHOE_SERVICE_COUNT == 47
        orgs = Organization.objects.filter(name__in=[r.name for r in rows])
        assert orgs.count() == 47
        districts = Counter(orgs.values_list("district_id", flat=True))
        assert districts.most_common(1)[0][0] == LUCHENG
        assert districts["000000"] >= 2  # 四川大学 and partners outside Wenzhou
        assert orgs.filter(name="四川大学轻工科学与工程学院", kind=OrgKind.UNIVERSITY).exists()

    def test_shoe_firms_cluster_in_lucheng_and_eyewear_in_ouhai(self, demo):
        shoes = enterprises_by_district("shoes")
        assert shoes[LUCHENG] > sum(shoes.values()) / 2
        assert shoes[OUHAI] > 0 and shoes["330381"] > 0  # 童鞋 and 瑞安安全鞋
        eyewear = enterprises_by_district("eyewear")
        assert eyewear[OUHAI] > sum(eyewear.values()) / 2

    def test_it_mixes_statuses_through_the_workflow(self, demo):
        statuses = Counter(Organization.objects.values_list("status", flat=True))
        assert statuses[OrgStatus.VERIFIED] > 0.8 * sum(statuses.values())
        assert statuses[OrgStatus.REJECTED] == 2
        for username in ("reviewer_lucheng", "reviewer_ouhai", "operator"):
            user = User.objects.get(username=username)
            assert Organization.objects.for_review(user).exists(), username
        for org in Organization.objects.exclude(status=OrgStatus.PENDING):
            (change,) = history(org)
            assert change.to_state == org.status
            if org.status == OrgStatus.REJECTED:
                assert change.reason
        kinds = set(Organization.objects.values_list("kind", flat=True))
        assert kinds == set(OrgKind.values)

    def test_a_second_run_changes_nothing(self, demo):
        assert demo.orgs_created > 300 and demo.users_created > 300
        assert sum(demo.resources_created.values()) == len(data.generate(1).resources)
        before = counts()
        again = data.load(scale=1)
        assert (again.orgs_created, again.users_created, again.memberships_created) == (0, 0, 0)
        assert again.resources_created == {} and not again.created_anything
        assert counts() == before  # no resource, audit row, status change or notification

    def test_scale_two_adds_enterprises(self, demo):
        base = Organization.objects.filter(kind=OrgKind.ENTERPRISE).count()
        others = Organization.objects.exclude(kind=OrgKind.ENTERPRISE).count()
        resources = Resource.objects.count()
        result = data.load(scale=2)
        batch = sum(segment.count for segment in data.SEGMENTS)
        assert result.orgs_created == batch > 200
        assert Organization.objects.filter(kind=OrgKind.ENTERPRISE).count() == base + batch
        assert Organization.objects.exclude(kind=OrgKind.ENTERPRISE).count() == others
        listings = len(data.generate(2).resources) - len(data.generate(1).resources)
        assert sum(result.resources_created.values()) == listings > 400
        assert Resource.objects.count() == resources + listings

    def test_the_command_loads_and_prints_the_accounts(self, demo, capsys):
        before = counts()
        call_command("demo", "--no-serve")
        out = capsys.readouterr().out
        assert data.DEMO_PASSWORD in out
        for account in data.DEMO_ACCOUNTS:
            assert account.username in out and account.mobile in out
        assert "主管部门审核员（瓯海区）" in out
        assert "数据已是最新，未作改动" in out
        summary = library.summary()
        assert f"资源库：共 {summary.total} 条（服务产品 {summary.by_kind['service']}、" in out
        assert "待审核 5" in out and "其中 6 条超过 12 个月未核实" in out
        assert counts() == before


@pytest.mark.django_db
class TestLibraryLoad:
    def test_every_listing_is_loaded_through_the_actions(self, demo):
        specs = data.generate(1).resources
        demo_rows = Resource.objects.filter(external_id__startswith="DEMO-")
        assert demo_rows.count() == len(specs)
        assert Counter(demo_rows.values_list("kind", flat=True)) == Counter(s.kind for s in specs)
        assert Counter(demo_rows.values_list("status", flat=True)) == Counter(
            s.state for s in specs
        )
        created = AuditEntry.objects.filter(verb="resource.create")
        pks = [str(pk) for pk in demo_rows.values_list("pk", flat=True)]
        assert created.filter(object_id__in=pks).count() == len(specs)
        operator = User.objects.get(username="operator")
        published = demo_rows.filter(status="published")
        assert set(published.values_list("created_by", flat=True)) == {operator.pk}
        assert all(r.detail is not None for r in demo_rows.filter(kind="instrument")[:20])

    def test_owners_and_districts_follow_the_organisations(self, demo):
        rows = Resource.objects.filter(external_id__startswith="DEMO-").select_related("provider")
        assert all(r.district_id == r.provider.district_id for r in rows)
        assert all(r.provider.status == OrgStatus.VERIFIED for r in rows)
        policies = rows.filter(kind="policy")
        assert {r.provider.kind for r in policies} == {OrgKind.GOVERNMENT}

    def test_the_test_lab_has_a_draft_and_a_submitted_listing(self, demo):
        lab_admin = User.objects.get(username="lab_admin")
        own = Resource.objects.filter(provider__name=data.TEST_LAB)
        statuses = Counter(own.values_list("status", flat=True))
        assert statuses["draft"] == statuses["submitted"] == statuses["archived"] == 1
        assert statuses["published"] >= 15
        draft = own.get(status="draft")
        assert draft.created_by == lab_admin
        assert Resource.objects.visible_to(lab_admin).filter(pk=draft.pk).exists()
        assert own.filter(status="published").stale().exists()

    def test_rejection_and_archiving_went_through_the_workflow(self, demo):
        rejected = Resource.objects.get(status="rejected", external_id__startswith="DEMO-")
        changes = list(history(rejected))
        assert [c.event for c in changes] == ["submit", "reject"] and changes[-1].reason
        archived = Resource.objects.get(status="archived", external_id__startswith="DEMO-")
        changes = list(history(archived))
        assert [c.event for c in changes] == ["submit", "publish", "archive"]
        assert "GB 30585-2024" in changes[-1].reason

    def test_the_moderation_queue_has_work(self, demo, client):
        queue = Resource.objects.filter(status="submitted")
        assert queue.count() == 5
        client.force_login(User.objects.get(username="operator"))
        page = client.get(reverse("catalog:moderation"))
        assert page.status_code == 200
        assert "GB 25038-2024 鞋类通用安全要求全项检测" in page.content.decode()

    def test_stale_listings_have_fixed_dates(self, demo):
        stale = Resource.objects.stale()
        assert stale.count() == len(library.STALE)
        for r in stale:
            assert r.is_stale and r.stale_reminded_at is None
            assert (
                r.last_verified_at == r.published_at < datetime(2025, 1, 1, tzinfo=library.SHANGHAI)
            )
        fresh = Resource.objects.published().exclude(pk__in=stale)
        assert not fresh.filter(last_verified_at__lt=timezone.now() - STALE_AFTER).exists()

    def test_search_finds_the_demo_listings(self, demo):
        page = search_resources("童鞋 检测", page_size=20)
        assert page.count >= 10
        assert all(h.resource.external_id.startswith("DEMO-") for h in page.hits)
        assert "童鞋" in page.hits[0].resource.title or "儿童鞋" in page.hits[0].resource.title
        assert len(page.facets["kind"]) >= 3 and len(page.facets["district"]) >= 2
        browse = search_resources("")
        assert {f.value for f in browse.facets["kind"]} == set(ResourceKind.values)
        assert len(browse.facets["district"]) >= 4
        assert search_resources("镍释放").count > 0 and search_resources("创新券").count > 0
