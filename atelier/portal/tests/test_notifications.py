import pytest
from django.urls import reverse
from django.utils import timezone

from atelier.accounts.tests.factories import make_user
from atelier.core.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(client):
    user = make_user()
    client.force_login(user)
    return user


def notify(user, title, *, read=False, url=""):
    return Notification.objects.create(
        user=user, title=title, url=url, read_at=timezone.now() if read else None
    )


class TestNotifications:
    def test_it_requires_login(self, client):
        r = client.get(reverse("portal:notifications"))
        assert r.status_code == 302
        assert r["Location"].startswith(reverse("accounts:login"))

    def test_it_lists_only_my_notifications(self, client, alice):
        notify(alice, "您的机构已通过实名认证", url="/orgs/1/")
        notify(make_user(), "别人的消息")
        html = client.get(reverse("portal:notifications")).content.decode()
        assert "您的机构已通过实名认证" in html
        assert 'href="/orgs/1/"' in html
        assert "别人的消息" not in html

    def test_it_does_not_link_outside_the_site(self, client, alice):
        notify(alice, "可疑链接", url="https://evil.example/")
        html = client.get(reverse("portal:notifications")).content.decode()
        assert "可疑链接" in html
        assert "evil.example" not in html

    def test_the_bell_shows_the_unread_count(self, client, alice):
        notify(alice, "一")
        notify(alice, "二")
        notify(alice, "三", read=True)
        html = client.get(reverse("portal:home")).content.decode()
        assert '<span class="at-bell-count">2</span>' in html

    def test_mark_all_read(self, client, alice):
        notify(alice, "一")
        other = notify(make_user(), "二")
        r = client.post(reverse("portal:notifications_read"))
        assert r.status_code == 302
        assert r["Location"] == reverse("portal:notifications")
        assert not alice.notifications.filter(read_at__isnull=True).exists()
        other.refresh_from_db()
        assert other.read_at is None

    def test_mark_all_read_rejects_get(self, client, alice):
        assert client.get(reverse("portal:notifications_read")).status_code == 405

    def test_mark_all_read_with_htmx_returns_the_list_and_the_bell(self, client, alice):
        notify(alice, "一")
        r = client.post(reverse("portal:notifications_read"), headers={"HX-Request": "true"})
        assert r.status_code == 200
        html = r.content.decode()
        assert "<html" not in html
        assert 'id="notification-list"' in html
        assert 'hx-swap-oob="true"' in html
        assert "at-bell-count" not in html

    def test_the_list_is_paginated(self, client, alice, django_assert_max_num_queries):
        for i in range(25):
            notify(alice, f"消息{i}")
        with django_assert_max_num_queries(6):
            r = client.get(reverse("portal:notifications"))
        assert len(r.context["page"].object_list) == 20
        assert "?page=2" in r.content.decode()
