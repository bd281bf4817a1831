"""The demo data set: accounts, institutions, geography, statuses, idempotence, `atelier demo`.

The base set is loaded once for the module inside a transaction that is rolled back at the end,
so the other apps' tests never see it; each test runs in its own savepoint on top of it.
"""

from collections import Counter

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from atelier.accounts.models import Role, User
from atelier.core.models import AuditEntry, StatusChange
from atelier.core.validators import validate_credit_code
from atelier.core.workflow import history
from atelier.demo import data
from atelier.orgs.models import Invitation, Membership, Organization, OrgKind, OrgStatus

LUCHENG, OUHAI = "330302", "330304"


FAST_HASHING = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    # atelier/conftest.py switches to MD5 per test; the module-wide load must hash the same way.
    with django_db_blocker.unblock(), FAST_HASHING, transaction.atomic():
        result = data.load(scale=1)
        yield result
        transaction.set_rollback(True)


def counts() -> dict[str, int]:
    return {
        "orgs": Organization.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "invitations": Invitation.objects.count(),
        "audit": AuditEntry.objects.count(),
        "status": StatusChange.objects.count(),
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
        before = counts()
        again = data.load(scale=1)
        assert (again.orgs_created, again.users_created, again.memberships_created) == (0, 0, 0)
        assert counts() == before

    def test_scale_two_adds_enterprises(self, demo):
        base = Organization.objects.filter(kind=OrgKind.ENTERPRISE).count()
        others = Organization.objects.exclude(kind=OrgKind.ENTERPRISE).count()
        result = data.load(scale=2)
        batch = sum(segment.count for segment in data.SEGMENTS)
        assert result.orgs_created == batch > 200
        assert Organization.objects.filter(kind=OrgKind.ENTERPRISE).count() == base + batch
        assert Organization.objects.exclude(kind=OrgKind.ENTERPRISE).count() == others

    def test_the_command_loads_and_prints_the_accounts(self, demo, capsys):
        before = counts()
        call_command("demo", "--no-serve")
        out = capsys.readouterr().out
        assert data.DEMO_PASSWORD in out
        for account in data.DEMO_ACCOUNTS:
            assert account.username in out and account.mobile in out
        assert "主管部门审核员（瓯海区）" in out
        assert counts() == before
