import pytest

from atelier.accounts.actions import token_create
from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user
from atelier.orgs.models import Organization, OrgStatus

from .factories import licence_file, make_credit_code, make_org

pytestmark = pytest.mark.django_db


def bearer(user):
    _, key = token_create(user=user)
    return {"Authorization": f"Bearer {key}"}


class TestMe:
    def test_anonymous_gets_a_json_401(self, client):
        response = client.get("/api/v1/me")
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"

    def test_token_auth(self, client):
        org = make_org()
        admin = org.memberships.get().user
        data = client.get("/api/v1/me", headers=bearer(admin)).json()
        assert data["id"] == admin.pk and data["role"] == "member"
        assert data["memberships"][0]["organization_id"] == org.pk

    def test_bad_token(self, client):
        response = client.get("/api/v1/me", headers={"Authorization": "Bearer atl_nope"})
        assert response.status_code == 401

    def test_session_auth(self, client):
        user = make_user(Role.REVIEWER, district="330304")
        client.force_login(user)
        data = client.get("/api/v1/me").json()
        assert data["role"] == "reviewer" and data["district"] == "330304"


class TestOrganizations:
    def test_list_is_scoped(self, client):
        pending = make_org(name="未认证鞋厂")
        make_org(verified=True, name="已认证鞋厂", district="330304")
        reviewer_ouhai = make_user(Role.REVIEWER, district="330304")
        names = {
            r["name"]
            for r in client.get("/api/v1/organizations", headers=bearer(reviewer_ouhai)).json()[
                "results"
            ]
        }
        assert names == {"已认证鞋厂"}
        admin = pending.memberships.get().user
        names = {
            r["name"]
            for r in client.get("/api/v1/organizations", headers=bearer(admin)).json()["results"]
        }
        assert names == {"已认证鞋厂", "未认证鞋厂"}

    def test_guessing_an_id_gives_404_json(self, client):
        pending = make_org()
        response = client.get(f"/api/v1/organizations/{pending.pk}", headers=bearer(make_user()))
        assert response.status_code == 404
        assert response.json() == {"detail": "对象不存在或无权查看。", "code": "not_found"}

    def test_filters_and_paging(self, client):
        for i in range(3):
            make_org(verified=True, name=f"瓯海眼镜{i}", district="330304", kind="enterprise")
        make_org(verified=True, name="鹿城鞋材", district="330302")
        user = make_user()
        data = client.get(
            "/api/v1/organizations?district=瓯海区&page_size=2", headers=bearer(user)
        ).json()
        assert data["count"] == 3 and len(data["results"]) == 2
        assert data["results"][0]["district_name"] == "瓯海区"

    def test_register_verify_flow(self, client):
        user = make_user()
        code = make_credit_code("330304")
        response = client.post(
            "/api/v1/organizations",
            {
                "kind": "enterprise",
                "name": "瓯海示例眼镜有限公司",
                "credit_code": code,
                "district": "330304",
                "industries": ["C3587"],
                "licence": licence_file(),
            },
            headers=bearer(user),
        )
        assert response.status_code == 201, response.content
        org_id = response.json()["id"]
        assert response.json()["status"] == "pending"

        other_reviewer = make_user(Role.REVIEWER, district="330302")
        response = client.post(
            f"/api/v1/organizations/{org_id}/verify",
            {},
            content_type="application/json",
            headers=bearer(other_reviewer),
        )
        assert response.status_code == 404  # not even visible outside the district

        reviewer = make_user(Role.REVIEWER, district="330304")
        response = client.post(
            f"/api/v1/organizations/{org_id}/reject",
            {"reason": ""},
            content_type="application/json",
            headers=bearer(reviewer),
        )
        assert response.status_code == 400 and response.json()["code"] == "reason_required"
        response = client.post(
            f"/api/v1/organizations/{org_id}/verify",
            {"note": "材料齐全"},
            content_type="application/json",
            headers=bearer(reviewer),
        )
        assert response.status_code == 200 and response.json()["status"] == "verified"
        response = client.post(
            f"/api/v1/organizations/{org_id}/verify",
            {},
            content_type="application/json",
            headers=bearer(reviewer),
        )
        assert response.status_code == 409 and response.json()["code"] == "invalid_transition"

    @pytest.mark.parametrize(
        "overrides, status, code",
        [
            ({"credit_code": "91330302MA2J000088"}, 400, "credit_code_check"),
            ({"district": "杭州"}, 400, "district_unknown"),
            ({"kind": "alien"}, 422, "validation_error"),
            ({"licence": licence_file().__class__("x.pdf", b"not a pdf")}, 400, "file_type"),
        ],
    )
    def test_register_bad_input(self, client, overrides, status, code):
        data = {
            "kind": "enterprise",
            "name": "某公司",
            "credit_code": make_credit_code(),
            "district": "330302",
            "licence": licence_file(),
        }
        data.update(overrides)
        response = client.post("/api/v1/organizations", data, headers=bearer(make_user()))
        assert response.status_code == status, response.content
        body = response.json()
        assert body["code"] == code and body["detail"]
        assert not Organization.objects.exists()

    def test_register_duplicate_code(self, client):
        org = make_org()
        response = client.post(
            "/api/v1/organizations",
            {
                "kind": "enterprise",
                "name": "重复",
                "credit_code": org.credit_code,
                "district": "330302",
                "licence": licence_file(),
            },
            headers=bearer(make_user()),
        )
        assert response.status_code == 400
        assert response.json()["code"] == "credit_code_unique"
        assert "已被注册" in response.json()["detail"]

    def test_invite_twice(self, client):
        org = make_org(verified=True)
        headers = bearer(org.memberships.get().user)
        url = f"/api/v1/organizations/{org.pk}/invitations"
        first = client.post(
            url, {"contact": "13911112222"}, content_type="application/json", headers=headers
        )
        assert first.status_code == 201
        again = client.post(
            url, {"contact": "13911112222"}, content_type="application/json", headers=headers
        )
        assert again.status_code == 409 and again.json()["code"] == "already_invited"

    def test_invite_by_non_admin_is_403(self, client):
        org = make_org(verified=True)
        response = client.post(
            f"/api/v1/organizations/{org.pk}/invitations",
            {"contact": "13911112222"},
            content_type="application/json",
            headers=bearer(make_user()),
        )
        assert response.status_code == 403 and response.json()["code"] == "permission_denied"

    def test_openapi_schema(self, client):
        schema = client.get("/api/v1/openapi.json").json()
        assert "/api/v1/organizations" in schema["paths"]
        assert Organization.objects.filter(status=OrgStatus.PENDING).count() == 0


def test_json_carries_chinese_as_utf8(client):
    response = client.get("/api/v1/organizations/999999", headers=bearer(make_user()))
    assert response["Content-Type"].startswith("application/json")
    assert "对象不存在".encode() in response.content and b"\\u" not in response.content
