"""The operator's import page: upload → preview → confirm, errors on screen and as xlsx."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user
from atelier.catalog.models import Resource, ResourceStatus
from atelier.catalog.tests.test_import import (  # noqa: F401 (an autouse fixture)
    counts,
    csv_bytes,
    row,
    xlsx_bytes,
)
from atelier.catalog.views_import import PENDING_DIR, SESSION_KEY

pytestmark = pytest.mark.django_db

URL = "/resources/import/"


@pytest.fixture
def operator_client(client):
    client.force_login(make_user(Role.OPERATOR))
    return client


def post_file(client, data: bytes, name="resources.csv"):
    return client.post(reverse("catalog:import"), {"file": SimpleUploadedFile(name, data)})


def pending_files() -> list[str]:
    try:
        return default_storage.listdir(PENDING_DIR)[1]
    except FileNotFoundError:
        return []


class TestAccess:
    def test_the_url_is_stable(self):
        assert reverse("catalog:import") == URL

    def test_anonymous_users_are_sent_to_log_in(self, client):
        response = client.get(URL)
        assert response.status_code == 302 and "login" in response["Location"]

    @pytest.mark.parametrize(
        "role", [Role.MEMBER, Role.EXPERT, Role.BROKER, Role.REVIEWER, Role.FINANCE, Role.AUDITOR]
    )
    def test_only_operators_may_import(self, client, role):
        client.force_login(make_user(role))
        assert client.get(URL).status_code == 403
        assert post_file(client, csv_bytes([row(1)])).status_code == 403
        assert client.post(reverse("catalog:import_confirm"), {"token": "x"}).status_code == 403
        assert client.get(reverse("catalog:import_errors")).status_code == 403
        assert Resource.objects.count() == 0

    def test_sysadmins_may_import(self, client):
        client.force_login(make_user(Role.SYSADMIN))
        assert client.get(URL).status_code == 200


class TestFlow:
    def test_upload_previews_then_confirm_imports(self, operator_client):
        response = post_file(operator_client, xlsx_bytes([row(1), row(2)]), "资源.xlsx")
        assert response.status_code == 200
        html = response.content.decode()
        assert "将新建 <strong>2</strong> 条" in html and "鞋类检测服务1" in html
        assert Resource.objects.count() == 0  # the preview writes nothing
        token = operator_client.session[SESSION_KEY]["token"]
        assert pending_files() == [f"{token}.upload"]

        response = operator_client.post(reverse("catalog:import_confirm"), {"token": token})
        assert response.status_code == 302 and response["Location"] == URL
        assert Resource.objects.filter(status=ResourceStatus.PUBLISHED).count() == 2
        assert SESSION_KEY not in operator_client.session
        assert pending_files() == []
        page = operator_client.get(URL).content.decode()
        assert "导入完成：新建 2 条，更新 0 条" in page

    def test_errors_are_listed_and_downloadable_and_nothing_is_imported(self, operator_client):
        data = csv_bytes([row(1), row(2, kind="widget", title="=cmd|' /C calc'!A0")])
        before = counts()
        response = post_file(operator_client, data)
        assert response.status_code == 400
        html = response.content.decode()
        assert "发现 1 处错误" in html and "widget" in html and "未知的类型" in html
        assert "确认导入" not in html
        download = operator_client.get(reverse("catalog:import_errors"))
        assert download.status_code == 200
        ws = load_workbook(io.BytesIO(download.content)).worksheets[0]
        rows = list(ws.iter_rows(values_only=True))
        assert rows[0] == ("行", "列", "值", "原因")
        assert rows[1][0] == 3 and rows[1][1] == "类型（kind）" and rows[1][2] == "widget"
        # Confirming an invalid file imports nothing either.
        token = operator_client.session[SESSION_KEY]["token"]
        response = operator_client.post(reverse("catalog:import_confirm"), {"token": token})
        assert response.status_code == 400
        assert counts() == before

    def test_html_in_the_file_is_shown_escaped(self, operator_client):
        response = post_file(
            operator_client, csv_bytes([row(1, title="<script>alert(1)</script>")])
        )
        html = response.content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    def test_a_file_error_is_shown(self, operator_client):
        response = post_file(operator_client, b"\xd0\xcf\x11\xe0" + b"\0" * 600, "x.xlsx")
        assert response.status_code == 400
        assert "文件已加密，请取消密码后再导入" in response.content.decode()

    def test_a_too_big_file_is_refused_and_not_kept(self, operator_client, settings):
        settings.ATELIER_MAX_IMPORT_BYTES = 50
        response = post_file(operator_client, csv_bytes([row(1), row(2)]))
        assert response.status_code == 400 and "文件过大" in response.content.decode()
        assert pending_files() == [] and SESSION_KEY not in operator_client.session

    def test_confirm_needs_the_session_token(self, operator_client):
        post_file(operator_client, csv_bytes([row(1)]))
        response = operator_client.post(reverse("catalog:import_confirm"), {"token": "guess"})
        assert response.status_code == 404
        assert Resource.objects.count() == 0

    def test_another_operator_cannot_confirm_my_upload(self, operator_client):
        post_file(operator_client, csv_bytes([row(1)]))
        token = operator_client.session[SESSION_KEY]["token"]
        other = Client()  # another operator, another session
        other.force_login(make_user(Role.OPERATOR))
        response = other.post(reverse("catalog:import_confirm"), {"token": token})
        assert response.status_code == 404
        assert Resource.objects.count() == 0

    def test_cancel_discards_the_upload(self, operator_client):
        post_file(operator_client, csv_bytes([row(1)]))
        token = operator_client.session[SESSION_KEY]["token"]
        response = operator_client.post(
            reverse("catalog:import_confirm"), {"token": token, "cancel": "1"}
        )
        assert response.status_code == 302
        assert pending_files() == [] and Resource.objects.count() == 0

    def test_a_new_upload_replaces_the_pending_one(self, operator_client):
        post_file(operator_client, csv_bytes([row(1)]))
        post_file(operator_client, csv_bytes([row(2)]))
        assert len(pending_files()) == 1
