"""The operators' synonym page (`catalog:synonyms`): list, add, edit, switch off and delete, plain
and htmx, with Chinese form errors; everybody else gets 403; a new synonym finds listings at once.
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user
from atelier.catalog.searching import search_resources
from atelier.core.models import AuditEntry
from atelier.search import engine
from atelier.search.models import SynonymGroup

from .factories import make_provider, make_resource

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
URL = "/resources/synonyms/"


@pytest.fixture(autouse=True)
def _fresh_synonyms():
    engine.reset_synonyms()
    yield
    engine.reset_synonyms()


@pytest.fixture
def op_client(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
def group(operator):
    from atelier.catalog import actions

    return actions.synonym_group_save(actor=operator, words="鞋楦 楦头 楦型")


def titles(q):
    return [h.resource.title for h in search_resources(q).hits]


def snapshot():
    return list(SynonymGroup.objects.order_by("pk").values_list("pk", "words", "active"))


class TestAccess:
    def test_urls(self):
        assert reverse("catalog:synonyms") == URL
        assert reverse("catalog:synonym", args=[7]) == "/resources/synonyms/7/"
        assert reverse("catalog:synonym_active", args=[7]) == "/resources/synonyms/7/active/"
        assert reverse("catalog:synonym_delete", args=[7]) == "/resources/synonyms/7/delete/"

    def test_anonymous_is_sent_to_log_in(self, client, group):
        response = client.get(URL)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
        before = snapshot()
        response = client.post(URL, {"words": "甲方 乙方"})
        assert response.status_code == 302
        assert snapshot() == before

    @pytest.mark.parametrize(
        "role", [Role.MEMBER, Role.EXPERT, Role.BROKER, Role.REVIEWER, Role.FINANCE, Role.AUDITOR]
    )
    def test_other_roles_get_403_on_every_url(self, client, group, role):
        before = snapshot()
        client.force_login(make_user(role))
        assert client.get(URL).status_code == 403
        assert client.post(URL, {"words": "甲方 乙方", "active": "on"}).status_code == 403
        edit = reverse("catalog:synonym", args=[group.pk])
        assert client.get(edit, {"edit": 1}, **HTMX).status_code == 403
        assert client.post(edit, {"words": "甲方 乙方"}).status_code == 403
        toggle = reverse("catalog:synonym_active", args=[group.pk])
        assert client.post(toggle, {"active": "0"}).status_code == 403
        assert client.post(reverse("catalog:synonym_delete", args=[group.pk])).status_code == 403
        # …and a missing id says the same, so ids reveal nothing.
        assert client.post(reverse("catalog:synonym_delete", args=[99999])).status_code == 403
        assert snapshot() == before

    def test_a_member_of_a_provider_is_not_an_operator(self, client, group):
        provider = make_provider()
        client.force_login(provider.memberships.get().user)
        assert client.get(URL).status_code == 403

    def test_missing_group_is_404_for_operators(self, op_client):
        assert op_client.post(reverse("catalog:synonym_delete", args=[99999])).status_code == 404


class TestList:
    def test_it_lists_words_status_and_update_time(self, op_client, group, operator):
        from atelier.catalog import actions

        off = actions.synonym_group_save(actor=operator, words="鞋垫 垫脚", active=False)
        response = op_client.get(URL)
        assert response.status_code == 200
        html = response.text
        for word in ("鞋楦", "楦头", "楦型", "鞋垫", "垫脚"):
            assert f'<span class="at-chip at-syn-word">{word}</span>' in html
        assert "已停用" in html and "更新于" in html
        # The page shows local time (Asia/Shanghai): after 16:00 UTC that is already tomorrow.
        assert timezone.localtime(group.updated_at).strftime("%Y-%m-%d") in html
        assert reverse("catalog:synonym_active", args=[off.pk]) in html
        assert 'name="active" value="1"' in html  # the switched-off group offers 启用

    def test_filter_by_word_and_htmx_fragment(self, op_client, group, operator):
        from atelier.catalog import actions

        actions.synonym_group_save(actor=operator, words="鞋垫 垫脚")
        response = op_client.get(URL, {"q": "楦"})
        assert "鞋楦" in response.text and "垫脚" not in response.text
        fragment = op_client.get(URL, {"q": "垫"}, HTTP_HX_TARGET="synonym-results", **HTMX)
        assert fragment.text.lstrip().startswith('<div id="synonym-results">')
        assert "垫脚" in fragment.text and "鞋楦" not in fragment.text
        assert "<html" not in fragment.text

    def test_query_count_does_not_grow_with_groups(
        self, op_client, operator, django_assert_max_num_queries
    ):
        from atelier.catalog import actions

        for n in range(30):
            actions.synonym_group_save(actor=operator, words=f"词{n}甲 词{n}乙")
        assert SynonymGroup.objects.count() > 50  # the seeded groups and these
        # session, user, page count, page rows, the two counters, the unread-message bell
        with django_assert_max_num_queries(6):
            response = op_client.get(URL)
        assert response.text.count('class="list-group-item') == 50  # one page


class TestAddEditDelete:
    def test_add_then_search_finds_a_listing_through_the_new_synonym(self, op_client):
        make_resource(title="鞋底防滑性能测定", description="测量外底在湿滑地面上的动摩擦系数。")
        assert titles("抓地力") == []
        response = op_client.post(URL, {"words": "抓地力，防滑", "active": "on"})
        assert response.status_code == 302 and response["Location"] == URL
        group = SynonymGroup.objects.get(words="抓地力 防滑")
        assert group.active
        entry = AuditEntry.objects.get(verb="synonym.save", object_id=str(group.pk))
        assert entry.changes["words"] == [None, "抓地力 防滑"]
        # Straight after saving: the page and the search both find the listing.
        assert titles("抓地力") == ["鞋底防滑性能测定"]
        page = op_client.get("/resources/", {"q": "鞋子抓地力"})
        assert "鞋底<mark>防滑</mark>性能测定" in page.text  # found through the synonym

    def test_add_with_htmx_returns_the_panel_with_the_new_group_on_top(self, op_client, group):
        response = op_client.post(URL, {"words": "鞋垫 垫脚 足垫", "active": "on"}, **HTMX)
        assert response.status_code == 200
        html = response.text
        assert html.lstrip().startswith('<div id="synonyms"')
        assert "已添加同义词组：鞋垫 垫脚 足垫" in html
        assert html.index("足垫") < html.index("鞋楦")
        assert 'value=""' in html  # an empty form for the next group

    def test_added_switched_off_group_does_not_apply(self, op_client):
        make_resource(title="鞋底防滑性能测定")
        op_client.post(URL, {"words": "抓地力 防滑"})  # "active" unticked
        assert SynonymGroup.objects.get(words="抓地力 防滑").active is False
        assert titles("抓地力") == []

    @pytest.mark.parametrize(
        "words,message",
        [
            ("", "请填写同义词。"),
            ("抓地力", "同义词组至少需要两个不同的词"),
            ("抓地力 抓地力", "同义词组至少需要两个不同的词"),
            ("抓地力 " + "长" * 31, "单个词不能超过 30 个字"),
            ("甲 " * 260, "同义词组不能超过 500 个字"),
        ],
    )
    def test_bad_input_changes_nothing(self, op_client, group, words, message):
        before, audit = snapshot(), AuditEntry.objects.count()
        response = op_client.post(URL, {"words": words, "active": "on"})
        assert response.status_code == 400
        assert message in response.text and "is-invalid" in response.text
        htmx = op_client.post(URL, {"words": words, "active": "on"}, **HTMX)
        assert htmx.status_code == 200 and message in htmx.text
        edit = reverse("catalog:synonym", args=[group.pk])
        assert op_client.post(edit, {"words": words}).status_code == 400
        row = op_client.post(edit, {"words": words}, **HTMX)
        assert message in row.text and f'id="synonym-{group.pk}"' in row.text
        assert snapshot() == before
        assert AuditEntry.objects.count() == audit

    def test_edit_row_with_htmx(self, op_client, group):
        url = reverse("catalog:synonym", args=[group.pk])
        form = op_client.get(url, {"edit": 1}, **HTMX)
        assert form.status_code == 200
        assert f'hx-post="{url}"' in form.text and 'value="鞋楦 楦头 楦型"' in form.text
        cancel = op_client.get(url, **HTMX)
        assert "at-syn-word" in cancel.text and "<form" in cancel.text  # buttons, no text input
        assert 'name="words"' not in cancel.text
        saved = op_client.post(url, {"words": "鞋楦 楦头", "active": "on"}, **HTMX)
        assert saved.status_code == 200
        assert "已保存" in saved.text and "楦型" not in saved.text
        group.refresh_from_db()
        assert group.words == "鞋楦 楦头" and group.active
        entry = (
            AuditEntry.objects.filter(verb="synonym.save", object_id=str(group.pk))
            .order_by("pk")
            .last()
        )
        assert entry.changes == {"words": ["鞋楦 楦头 楦型", "鞋楦 楦头"]}

    def test_edit_without_javascript(self, op_client, group):
        url = reverse("catalog:synonym", args=[group.pk])
        assert op_client.get(url)["Location"] == f"{URL}?edit={group.pk}#synonym-{group.pk}"
        page = op_client.get(URL, {"edit": group.pk})
        assert f'action="{url}"' in page.text and 'value="鞋楦 楦头 楦型"' in page.text
        response = op_client.post(url, {"words": "鞋楦、楦头、楦型、鞋模"})
        assert response.status_code == 302
        group.refresh_from_db()
        assert group.words == "鞋楦 楦头 楦型 鞋模" and not group.active

    def test_switch_off_and_on_again(self, op_client, operator):
        make_resource(title="鞋底防滑性能测定")
        from atelier.catalog import actions

        group = actions.synonym_group_save(actor=operator, words="抓地力 防滑")
        url = reverse("catalog:synonym_active", args=[group.pk])
        total = SynonymGroup.objects.count()
        response = op_client.post(url, {"active": "0"}, **HTMX)
        assert "已停用" in response.text and 'name="active" value="1"' in response.text
        # The counters in the list's head follow, out of band.
        assert f'hx-swap-oob="true">共 {total} 组，{total - 1} 组启用' in response.text
        group.refresh_from_db()
        assert not group.active and group.words == "抓地力 防滑"
        assert titles("抓地力") == []
        assert op_client.post(url, {"active": "1"}).status_code == 302
        group.refresh_from_db()
        assert group.active
        assert titles("抓地力") == ["鞋底防滑性能测定"]

    def test_delete(self, op_client, operator):
        make_resource(title="鞋底防滑性能测定")
        from atelier.catalog import actions

        group = actions.synonym_group_save(actor=operator, words="抓地力 防滑")
        url = reverse("catalog:synonym_delete", args=[group.pk])
        assert op_client.get(url).status_code == 405
        response = op_client.post(url, **HTMX)
        assert response.status_code == 200
        assert "已删除同义词组：抓地力 防滑" in response.text
        assert 'id="synonym-counts" hx-swap-oob="true"' in response.text
        assert f'id="synonym-{group.pk}"' in response.text
        assert not SynonymGroup.objects.filter(pk=group.pk).exists()
        assert AuditEntry.objects.filter(verb="synonym.delete", object_id=str(group.pk)).exists()
        assert titles("抓地力") == []

    def test_delete_without_javascript(self, op_client, group):
        response = op_client.post(reverse("catalog:synonym_delete", args=[group.pk]))
        assert response.status_code == 302 and response["Location"] == URL
        assert "已删除同义词组" in op_client.get(URL).text
        assert not SynonymGroup.objects.filter(pk=group.pk).exists()


class TestEnglish:
    def test_page_and_form_errors_in_english(self, op_client):
        from django.utils import translation

        from atelier.core.i18n import compile_messages

        compile_messages()  # as setup does; a no-op when the .mo file is current
        op_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
        try:
            html = op_client.get(URL).text
            assert "New synonym group" in html and "Synonym groups" in html
            response = op_client.post(URL, {"words": "抓地力"})
            assert "A synonym group needs at least two different words" in response.text
        finally:
            translation.deactivate()
