"""Stale listings: published resources not confirmed for 12 months are flagged, their
organisation's admins reminded once, and the owner's confirmation resets the clock."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from atelier.catalog import actions
from atelier.catalog.models import STALE_AFTER, Resource
from atelier.core.models import Notification

from .factories import make_provider, make_resource

pytestmark = pytest.mark.django_db


def age(resource, days):
    Resource.objects.filter(pk=resource.pk).update(
        last_verified_at=timezone.now() - timedelta(days=days)
    )
    return Resource.objects.get(pk=resource.pk)


def test_only_published_listings_older_than_12_months_are_stale(provider):
    old = age(make_resource(provider=provider, title="旧的"), 400)
    recent = age(make_resource(provider=provider, title="新的"), STALE_AFTER.days - 1)
    old_draft = age(make_resource(provider=provider, published=False, title="旧草稿"), 400)
    assert old.is_stale and not recent.is_stale and not old_draft.is_stale
    assert list(Resource.objects.stale()) == [old]


def test_admins_are_reminded_once_and_confirm_resets_the_clock(client, provider, admin, member):
    r = age(make_resource(provider=provider, title="鞋材有害物质检测"), 400)
    make_resource(provider=provider, title="最近核实过的")

    assert actions.resources_remind_stale() == 1
    note = Notification.objects.get(user=admin)
    assert note.title == "1 条资源超过 12 个月未核实"
    assert "鞋材有害物质检测" in note.body
    assert note.url == reverse("catalog:mine") + "?stale=1"
    assert not Notification.objects.filter(user=member).exists()  # admins only
    assert Resource.objects.get(pk=r.pk).stale_reminded_at is not None

    assert actions.resources_remind_stale() == 0  # once per listing
    assert Notification.objects.filter(user=admin).count() == 1

    # The reminder's link lists exactly the stale listing, with its badge and a confirm button.
    client.force_login(admin)
    page = client.get(note.url)
    assert page.status_code == 200
    assert "鞋材有害物质检测" in page.text and "最近核实过的" not in page.text
    assert "待核实" in page.text
    assert reverse("catalog:transition", args=[r.pk, "confirm"]) in page.text

    response = client.post(
        reverse("catalog:transition", args=[r.pk, "confirm"]), {"next": note.url}
    )
    assert response["Location"] == note.url
    r = Resource.objects.get(pk=r.pk)
    assert not r.is_stale and r.stale_reminded_at is None
    assert timezone.now() - r.last_verified_at < timedelta(minutes=1)
    assert "鞋材有害物质检测" not in client.get(note.url).text

    # A year later it is stale again, and reminded again.
    age(r, 400)
    assert actions.resources_remind_stale() == 1
    assert Notification.objects.filter(user=admin).count() == 2


def test_an_edit_also_counts_as_confirmation(provider, admin):
    r = age(make_resource(provider=provider), 400)
    actions.resource_update(actor=admin, resource=r, keywords="耐折")
    assert not Resource.objects.get(pk=r.pk).is_stale


def test_one_notification_per_organisation_lists_a_few_titles(provider, admin):
    for i in range(5):
        age(make_resource(provider=provider, title=f"旧检测{i}"), 400)
    other = make_provider(name="别家机构")
    age(make_resource(provider=other, title="别家的旧检测"), 400)
    assert actions.resources_remind_stale() == 6
    note = Notification.objects.get(user=admin)
    assert note.title == "5 条资源超过 12 个月未核实" and note.body.endswith("等")
    assert "别家的旧检测" not in note.body


def test_the_detail_page_warns_everybody(client, provider, admin):
    r = age(make_resource(provider=provider), 400)
    html = client.get(r.get_absolute_url()).text
    assert "该资源信息已超过 12 个月未经发布机构核实" in html
    assert reverse("catalog:transition", args=[r.pk, "confirm"]) not in html  # not for visitors
    client.force_login(admin)
    html = client.get(r.get_absolute_url()).text
    assert reverse("catalog:transition", args=[r.pk, "confirm"]) in html


def test_the_provider_page_shows_the_stale_badge(client, provider):
    age(make_resource(provider=provider, title="旧检测"), 400)
    html = client.get(reverse("catalog:provider", args=[provider.pk])).text
    assert "待核实" in html


def test_the_management_command_reports_how_many(provider, admin):
    age(make_resource(provider=provider), 400)
    out = StringIO()
    call_command("remind_stale", stdout=out)
    assert "已提醒 1 条" in out.getvalue()
    out = StringIO()
    call_command("remind_stale", stdout=out)
    assert "已提醒 0 条" in out.getvalue()
    assert Notification.objects.filter(user=admin).count() == 1
