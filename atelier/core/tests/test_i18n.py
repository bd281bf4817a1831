"""English: the catalog is complete, compiles without GNU gettext, and the UI, the API and form
errors switch to it. The source language (zh-hans) stays the default."""

import os
import re
import shutil
from html import unescape
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import translation

from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user
from atelier.core.i18n import compile_messages
from atelier.core.models import District, EnterpriseTag, Industry
from atelier.core.validators import validate_credit_code
from atelier.orgs import actions
from atelier.orgs.tests.factories import make_org

PO_PATH = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES" / "django.po"
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
PLACEHOLDER = re.compile(r"%\(\w+\)[-+ #0-9.]*[a-z]")


@pytest.fixture(scope="session", autouse=True)
def english_catalog():
    """Compile the English catalog as setup does (polib, no msgfmt)."""
    compile_messages()


def english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def visible_text(html: str) -> str:
    """The text a reader sees or hears: no tags, no scripts, attributes with words kept."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    attrs = " ".join(re.findall(r'(?:title|aria-label|placeholder|alt)="([^"]*)"', html))
    return unescape(re.sub(r"<[^>]+>", " ", html) + " " + attrs)


def assert_no_chinese(html: str, *allowed: str) -> None:
    text = visible_text(html)
    for word in ("简体中文", *allowed):  # the language switch names each language in itself
        text = text.replace(word, "")
    leftovers = sorted({m.group(0) for m in re.finditer(r"\S*" + CJK.pattern + r"\S*", text)})
    assert not leftovers, f"untranslated text on an English page: {leftovers}"


class TestCatalog:
    def test_every_entry_is_translated(self):
        po = polib.pofile(str(PO_PATH))
        assert len(po) > 400
        untranslated = [e.msgid for e in po.untranslated_entries()]
        fuzzy = [e.msgid for e in po.fuzzy_entries()]
        assert not untranslated, f"translate these in {PO_PATH.name}: {untranslated}"
        assert not fuzzy, f"review these fuzzy entries in {PO_PATH.name}: {fuzzy}"
        assert po.metadata["Language"] == "en"
        assert po.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"

    def test_placeholders_and_plurals_are_kept(self):
        problems = []
        for e in polib.pofile(str(PO_PATH)):
            if e.msgid_plural:
                assert sorted(e.msgstr_plural) == [0, 1], e.msgid
                pairs = [(e.msgid, e.msgstr_plural[0]), (e.msgid_plural, e.msgstr_plural[1])]
            else:
                pairs = [(e.msgid, e.msgstr)]
            for source, target in pairs:
                if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(target)):
                    problems.append((source, target))
                if CJK.search(target):
                    problems.append((source, target))
        assert not problems

    def test_compile_messages_writes_missing_or_outdated_mo_files_only(self, tmp_path):
        po_copy = tmp_path / "en" / "LC_MESSAGES" / "django.po"
        po_copy.parent.mkdir(parents=True)
        shutil.copy(PO_PATH, po_copy)
        mo = po_copy.with_suffix(".mo")

        assert compile_messages([tmp_path]) == [mo]
        assert polib.mofile(str(mo)).find("资源库").msgstr == "Resource library"
        assert compile_messages([tmp_path]) == []  # up to date

        older = po_copy.stat().st_mtime - 10
        os.utime(mo, (older, older))  # the .po is now newer than the .mo
        assert compile_messages([tmp_path]) == [mo]
        assert compile_messages([tmp_path], force=True) == [mo]
        assert not list(tmp_path.rglob("*.tmp"))

    def test_command(self, settings, tmp_path, capsys):
        (tmp_path / "en" / "LC_MESSAGES").mkdir(parents=True)
        shutil.copy(PO_PATH, tmp_path / "en" / "LC_MESSAGES" / "django.po")
        settings.LOCALE_PATHS = [tmp_path]
        call_command("i18n_compile")
        assert "1 of 1 catalog(s) compiled" in capsys.readouterr().out
        call_command("i18n_compile")
        assert "0 of 1 catalog(s) compiled" in capsys.readouterr().out
        assert (tmp_path / "en" / "LC_MESSAGES" / "django.mo").exists()


@pytest.mark.django_db
class TestPages:
    def test_chinese_stays_the_default(self, client):
        html = client.get("/").content.decode()
        assert '<html lang="zh-hans"' in html
        assert "资源库" in html and "Resource library" not in html

    def test_switching_to_english(self, client):
        english(client)
        response = client.get("/")
        html = response.content.decode()
        assert '<html lang="en"' in html
        for words in (
            "Home",
            "Resource library",
            "Demand hall",
            "Innovation vouchers",
            "Services &amp; booking",
            "Data cockpit",
            "Coming soon",
        ):
            assert words in html
        assert_no_chinese(html)

    def test_switching_back_to_chinese(self, client):
        english(client)
        client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
        assert "资源库" in client.get("/").content.decode()

    def test_workspace_and_registration_form(self, client):
        client.force_login(make_user(Role.MEMBER, name="Li Lei"))
        english(client)
        html = client.get("/workspace/").content.decode()
        assert "Hello, Li Lei" in html and "Enterprise/organization user" in html
        assert_no_chinese(html)
        html = client.get("/orgs/register/").content.decode()
        assert "Unified social credit code" in html and "Lucheng" in html
        assert "Leather footwear manufacturing" in html and "High-tech enterprise" in html
        assert_no_chinese(html)

    def test_reviewer_pages(self, client):
        org = make_org(name="温州测试鞋业有限公司", district="330302")
        client.force_login(make_user(Role.REVIEWER, name="Wang Fang", district="330302"))
        english(client)
        html = client.get("/workspace/").content.decode()
        assert "Responsible for Lucheng" in html and "awaiting review" in html
        html = client.get("/orgs/review/").content.decode()
        assert "Organizations awaiting review in Lucheng" in html and "1 organization" in html
        assert_no_chinese(html, org.name, org.created_by.name)
        html = client.get(org.get_absolute_url()).content.decode()
        assert "Basic information" in html and "Pending review" in html
        assert_no_chinese(html, org.name, org.created_by.name)

    SIGNUP = {
        "name": "Li Lei",
        "mobile": "12345",
        "email": "",
        "password": "Lucheng-2026!",
        "password2": "Lucheng-2026!",
    }

    def test_form_error_in_english(self, client):
        english(client)
        response = client.post("/accounts/signup/", self.SIGNUP)
        assert response.status_code == 400
        html = response.content.decode()
        assert "Enter a valid 11-digit mainland China mobile number." in html
        assert "请输入有效的" not in html

    def test_form_error_in_chinese_by_default(self, client):
        response = client.post("/accounts/signup/", self.SIGNUP)
        assert response.status_code == 400
        assert "请输入有效的 11 位中国大陆手机号码。" in response.content.decode()


@pytest.mark.django_db
class TestApi:
    def test_error_detail_follows_accept_language(self, client):
        client.force_login(make_user())
        response = client.get("/api/v1/organizations/999999", headers={"Accept-Language": "en"})
        assert response.status_code == 404
        assert response.json() == {
            "detail": "Not found, or you are not allowed to view it.",
            "code": "not_found",
        }
        response = client.get("/api/v1/organizations/999999", headers={"Accept-Language": "zh"})
        assert response.json()["detail"] == "对象不存在或无权查看。"

    def test_action_error_with_parameters(self, client):
        org = make_org()
        admin = org.memberships.get().user
        client.force_login(admin)
        url = f"/api/v1/organizations/{org.pk}/invitations"
        client.post(url, {"contact": "13900009999"}, content_type="application/json")
        response = client.post(
            url,
            {"contact": "13900009999"},
            content_type="application/json",
            headers={"Accept-Language": "en"},
        )
        assert response.status_code == 409
        assert response.json() == {
            "detail": "13900009999 has already been invited and has not responded yet.",
            "code": "already_invited",
        }


@pytest.mark.django_db
class TestMessagesInCode:
    def test_validation_error_with_params(self):
        with translation.override("en"), pytest.raises(ValidationError) as exc:
            validate_credit_code("123")
        assert exc.value.code == "credit_code_length"
        assert exc.value.messages == [
            "A unified social credit code has 18 characters; this one has 3."
        ]

    def test_reference_data_is_shown_in_english(self):
        lucheng = District.objects.get(pk="330302")
        industry = Industry.objects.get(pk="C1952")
        tag = EnterpriseTag.objects.get(pk="hnte")
        assert (str(lucheng), str(industry), str(tag)) == (
            "鹿城区",
            "C1952 皮鞋制造",
            "高新技术企业",
        )
        with translation.override("en"):
            assert str(lucheng) == "Lucheng"
            assert str(industry) == "C1952 Leather footwear manufacturing"
            assert str(tag) == "High-tech enterprise"

    def test_notifications_are_written_in_the_platform_language(
        self, django_capture_on_commit_callbacks
    ):
        # Their readers' language is not known; the actor's would be a guess.
        org = make_org()
        operator = make_user(Role.OPERATOR)
        with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
            actions.organization_reject(actor=operator, organization=org, reason="blurred")
        admin = org.memberships.get().user
        assert admin.notifications.get().title == f"{org.name} 的认证申请被驳回"

    def test_transition_labels_follow_the_language(self):
        from atelier.core import audit

        assert audit.verb_label("organization.verify") == "认证通过"
        with translation.override("en"):
            assert audit.verb_label("organization.verify") == "Approve"
            assert audit.verb_label("organization.register") == "Register organization"
