import pytest
from django.core.management import call_command
from django.urls import reverse

from atelier.accounts.actions import token_create, token_revoke, user_for_token
from atelier.accounts.models import ApiToken, LoginAttempt, Role, User

from .factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def login(client, identifier, password=PASSWORD):
    return client.post(reverse("accounts:login"), {"identifier": identifier, "password": password})


class TestLogin:
    @pytest.mark.parametrize("field", ["mobile", "email", "username"])
    def test_it_logs_in_by_mobile_email_or_username(self, client, field):
        user = make_user(mobile="13900001111", email="Boss@Shoes.cn")
        identifier = {
            "mobile": "+86 139 0000 1111",
            "email": "boss@shoes.CN",
            "username": user.username,
        }[field]
        response = login(client, identifier)
        assert response.status_code == 302
        assert response["Location"] == reverse("portal:workspace")
        assert int(client.session["_auth_user_id"]) == user.pk

    def test_wrong_password_is_refused_in_chinese(self, client):
        make_user(mobile="13900001111")
        response = login(client, "13900001111", "wrong-password")
        assert response.status_code == 400
        assert "账号或密码不正确" in response.text
        assert "_auth_user_id" not in client.session

    def test_it_throttles_after_repeated_failures(self, client, settings):
        settings.LOGIN_MAX_FAILURES = 3
        make_user(mobile="13900001111")
        for _ in range(3):
            login(client, "13900001111", "nope")
        response = login(client, "13900001111")  # right password, but locked
        assert response.status_code == 400
        assert "登录失败次数过多" in response.text
        assert "_auth_user_id" not in client.session
        assert LoginAttempt.objects.filter(succeeded=False).count() == 3

    def test_a_success_resets_the_failure_count(self, client, settings):
        settings.LOGIN_MAX_FAILURES = 3
        make_user(mobile="13900001111")
        login(client, "13900001111", "nope")
        login(client, "13900001111", "nope")
        assert login(client, "13900001111").status_code == 302
        client.logout()
        login(client, "13900001111", "nope")
        assert login(client, "13900001111").status_code == 302

    def test_next_must_be_local(self, client):
        make_user(mobile="13900001111")
        response = client.post(
            reverse("accounts:login") + "?next=https://evil.example/",
            {"identifier": "13900001111", "password": PASSWORD, "next": "https://evil.example/"},
        )
        assert response["Location"] == reverse("portal:workspace")

    def test_logout_requires_post(self, client):
        client.force_login(make_user())
        assert client.get(reverse("accounts:logout")).status_code == 405
        assert client.post(reverse("accounts:logout")).status_code == 302
        assert "_auth_user_id" not in client.session

    def test_passwords_are_hashed_with_argon2_in_production(self, settings):
        from django.conf import settings as live
        from django.test import override_settings

        with override_settings(PASSWORD_HASHERS=live.PASSWORD_HASHERS):
            pass
        assert (
            "Argon2PasswordHasher"
            in __import__(
                "atelier.config.settings", fromlist=["PASSWORD_HASHERS"]
            ).PASSWORD_HASHERS[0]
        )


class TestSignup:
    def post(self, client, **overrides):
        data = dict(
            name="王小鞋",
            mobile="13700001234",
            email="wang@shoe.cn",
            password="Lucheng-2026!",
            password2="Lucheng-2026!",
        )
        data.update(overrides)
        return client.post(reverse("accounts:signup"), data)

    def test_it_creates_and_logs_in_the_user(self, client):
        response = self.post(client)
        assert response.status_code == 302
        assert response["Location"] == reverse("orgs:register")
        user = User.objects.get(mobile="13700001234")
        assert user.role == Role.MEMBER and user.username == "13700001234"

    @pytest.mark.parametrize(
        "overrides, message",
        [
            ({"mobile": "12345"}, "11 位中国大陆手机号"),
            ({"password2": "different"}, "两次输入的密码不一致"),
            ({"password": "12345678", "password2": "12345678"}, "密码"),
        ],
    )
    def test_bad_input(self, client, overrides, message):
        response = self.post(client, **overrides)
        assert response.status_code == 400
        assert message in response.text
        assert not User.objects.exists()

    def test_duplicate_mobile_and_email(self, client):
        make_user(mobile="13700001234", email="wang@shoe.cn")
        response = self.post(client)
        assert response.status_code == 400
        assert "该手机号已注册" in response.text and "该邮箱已注册" in response.text
        assert User.objects.count() == 1


class TestTokens:
    def test_create_command_prints_a_working_token(self, capsys):
        user = make_user(mobile="13900002222")
        call_command("token", "create", "13900002222")
        key = capsys.readouterr().out.strip()
        assert key.startswith("atl_")
        assert user_for_token(key) == user
        token = ApiToken.objects.get(user=user)
        assert token.key_hash != key and key not in token.key_hash  # only the hash is stored

    def test_unknown_user(self):
        from django.core.management.base import CommandError

        with pytest.raises(CommandError, match="用户不存在"):
            call_command("token", "create", "nobody")

    def test_revoked_token_stops_working(self):
        user = make_user()
        token, key = token_create(user=user)
        token_revoke(token=token, actor=user)
        assert user_for_token(key) is None
        assert user_for_token("atl_made-up") is None
