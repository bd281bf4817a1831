import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user
from atelier.orgs.models import Invitation, Organization, OrgStatus

from .factories import licence_file, make_credit_code, make_org

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "kind": "enterprise",
        "name": "温州市鹿城区表单鞋业有限公司",
        "credit_code": make_credit_code("330302"),
        "district": "330302",
        "licence": licence_file(),
    }
    data.update(overrides)
    return data


class TestRegisterForm:
    def test_it_registers_and_redirects_to_the_org(self, client):
        client.force_login(make_user())
        response = client.post(reverse("orgs:register"), form_data())
        org = Organization.objects.get()
        assert response.status_code == 302 and response["Location"] == org.get_absolute_url()
        page = client.get(org.get_absolute_url())
        assert "待审核" in page.text

    @pytest.mark.parametrize(
        "overrides, message",
        [
            ({"credit_code": "91330302MA2J000088"}, "校验位不正确"),
            ({"credit_code": "12345"}, "应为 18 位"),
            ({"licence": SimpleUploadedFile("执照.pdf", b"GIF89a not a pdf")}, "不是有效的"),
            ({"contact_mobile": "010-1234567"}, "手机号码"),
        ],
    )
    def test_bad_input_shows_a_chinese_error_and_changes_nothing(self, client, overrides, message):
        client.force_login(make_user())
        response = client.post(reverse("orgs:register"), form_data(**overrides))
        assert response.status_code == 400
        assert message in response.text
        assert not Organization.objects.exists()

    def test_duplicate_code_on_the_form(self, client):
        existing = make_org()
        client.force_login(make_user())
        response = client.post(reverse("orgs:register"),
                               form_data(credit_code=existing.credit_code))  # fmt: skip
        assert response.status_code == 400 and "已被注册" in response.text
        assert Organization.objects.count() == 1

    def test_anonymous_is_sent_to_login(self, client):
        response = client.get(reverse("orgs:register"))
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


class TestReviewViews:
    def test_reject_without_reason_changes_nothing(self, client):
        org = make_org()
        client.force_login(make_user(Role.OPERATOR))
        response = client.post(reverse("orgs:reject", args=[org.pk]), {"reason": ""}, follow=True)
        assert "必须填写原因" in response.text
        assert Organization.objects.get(pk=org.pk).status == OrgStatus.PENDING

    def test_reviewer_of_another_district_cannot_act(self, client):
        org = make_org(district="330304")
        client.force_login(make_user(Role.REVIEWER, district="330302"))
        response = client.post(reverse("orgs:verify", args=[org.pk]))
        assert response.status_code == 404  # not even visible
        assert Organization.objects.get(pk=org.pk).status == OrgStatus.PENDING

    def test_inviting_twice_on_the_page(self, client):
        org = make_org(verified=True)
        client.force_login(org.memberships.get().user)
        url = reverse("orgs:invite", args=[org.pk])
        client.post(url, {"contact": "13911110000", "role": "member"})
        response = client.post(url, {"contact": "13911110000", "role": "member"}, follow=True)
        assert "已经邀请过" in response.text
        assert Invitation.objects.count() == 1
