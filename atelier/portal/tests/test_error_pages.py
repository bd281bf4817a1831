import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.loader import get_template
from django.test import RequestFactory
from django.views import defaults

pytestmark = pytest.mark.django_db


def request(path="/somewhere/"):
    r = RequestFactory().get(path)
    r.user = AnonymousUser()
    return r


class TestErrorPages:
    def test_404_uses_the_site_layout(self):
        r = defaults.page_not_found(request("/nope/"), Http404("internal detail"))
        html = r.content.decode()
        assert r.status_code == 404
        assert "页面不存在" in html and "/nope/" in html
        assert "Atelier" in html and "资源库" in html
        assert "internal detail" not in html

    def test_403_says_why(self):
        r = defaults.permission_denied(request(), PermissionDenied("这份邀请不是发给您的。"))
        html = r.content.decode()
        assert r.status_code == 403
        assert "无权访问" in html and "这份邀请不是发给您的。" in html

    def test_500_renders_without_a_request_or_database(self, django_assert_num_queries):
        with django_assert_num_queries(0):
            html = get_template("500.html").render({})
        assert "服务器出错了" in html
        assert "/static/vendor/bootstrap/bootstrap.min.css" in html
