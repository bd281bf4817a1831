"""The demand pages and API as users meet them: who sees what, anonymity, escaping, refusals."""

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from atelier.accounts.tests.factories import make_user
from atelier.catalog.models import ResourceKind
from atelier.catalog.tests.factories import make_provider, make_resource
from atelier.orgs.tests.factories import pdf_bytes

from .. import actions
from ..models import Demand, DemandStatus, Docking, DockingStatus
from .factories import make_broker, make_demand, make_docking, make_enterprise, member_of, operator

pytestmark = pytest.mark.django_db

SECRET_NAME = "温州隐秘鞋业有限公司"


@pytest.fixture
def anonymous_demand():
    enterprise = make_enterprise(name=SECRET_NAME)
    return make_demand(
        enterprise=enterprise,
        anonymous=True,
        title="鞋底开胶问题",
        description="PU 鞋底与帮面粘合后容易开胶，想找胶粘工艺专家。",
    )


def login(client, user):
    client.force_login(user)
    return client


def test_hall_lists_open_demands_and_hides_drafts(client):
    open_one = make_demand(title="皮革甲醛超标求解")
    draft = make_demand(title="还没写完的需求", published=False)
    page = client.get(reverse("demands:list")).content.decode()
    assert open_one.title in page
    assert draft.title not in page
    assert client.get(reverse("demands:detail", args=[draft.pk])).status_code == 404


def test_anonymous_enterprise_never_reaches_a_provider(client, anonymous_demand):
    provider = make_provider()
    login(client, member_of(provider))
    for url in (
        reverse("demands:list"),
        reverse("demands:detail", args=[anonymous_demand.pk]),
        "/api/v1/demands",
        f"/api/v1/demands/{anonymous_demand.pk}",
    ):
        body = client.get(url).content.decode()
        assert anonymous_demand.title in body
        assert SECRET_NAME not in body, url
        assert "匿名企业" in body
    # Filtering the hall by district must not narrow an anonymous demand down to its district.
    page = client.get(
        reverse("demands:list"), {"district": anonymous_demand.enterprise.district_id}
    ).content.decode()
    assert anonymous_demand.title not in page
    # Its attachments stay hidden as well.
    from ..models import DemandAttachment

    item = DemandAttachment.objects.create(
        demand=anonymous_demand, name="图纸.pdf",
        file=SimpleUploadedFile("a.pdf", pdf_bytes(), content_type="application/pdf"),
    )  # fmt: skip
    url = reverse("demands:attachment", args=[anonymous_demand.pk, item.pk])
    assert client.get(url).status_code == 404


def test_identity_is_shown_after_the_enterprise_agrees(client, anonymous_demand):
    provider = make_provider()
    docking = actions.docking_interest(member_of(provider), anonymous_demand, provider=provider)
    login(client, member_of(provider))
    page = client.get(reverse("demands:docking", args=[docking.pk])).content.decode()
    assert SECRET_NAME not in page
    actions.docking_accept(member_of(anonymous_demand.enterprise), docking)
    page = client.get(reverse("demands:docking", args=[docking.pk])).content.decode()
    assert SECRET_NAME in page
    assert SECRET_NAME in client.get(f"/api/v1/demands/{anonymous_demand.pk}").content.decode()


def test_script_in_text_is_escaped(client):
    demand = make_demand(
        title="<script>alert(1)</script>鞋面", description='<img src=x onerror="alert(2)">'
    )
    page = client.get(reverse("demands:detail", args=[demand.pk])).content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert "<img src=x" not in page


def test_post_a_demand_with_a_fake_attachment_is_refused(client):
    enterprise = make_enterprise()
    login(client, member_of(enterprise))
    data = {
        "enterprise": enterprise.pk,
        "type": "testing",
        "title": "凉鞋镍释放检测",
        "description": "金属扣件需要做镍释放检测。",
        "deadline": (timezone.localdate() + timedelta(days=20)).isoformat(),
        "visibility": "public",
        "submit": "1",
    }
    fake = SimpleUploadedFile("report.pdf", b"GIF89a fake", content_type="application/pdf")
    response = client.post(reverse("demands:create"), {**data, "attachment": fake})
    assert response.status_code == 400
    assert "PDF" in response.content.decode()
    assert not Demand.objects.exists()
    good = SimpleUploadedFile("report.pdf", pdf_bytes(), content_type="application/pdf")
    response = client.post(reverse("demands:create"), {**data, "attachment": good})
    demand = Demand.objects.get()
    assert response.status_code == 302 and demand.status == DemandStatus.SUBMITTED
    assert demand.attachments.count() == 1
    response = client.get(
        reverse("demands:attachment", args=[demand.pk, demand.attachments.get().pk])
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_acting_on_another_organisations_demand_or_docking(client):
    demand = make_demand()
    docking = make_docking(demand)
    stranger = member_of(make_enterprise())
    login(client, stranger)
    response = client.post(
        reverse("demands:transition", args=[demand.pk, "close"]), {"reason": "捣乱"}
    )
    assert response.status_code == 302
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.DOCKING
    # A docking is invisible to anyone outside it.
    assert client.get(reverse("demands:docking", args=[docking.pk])).status_code == 404
    response = client.post(reverse("demands:docking_transition", args=[docking.pk, "accept"]))
    assert response.status_code == 404
    assert Docking.objects.get(pk=docking.pk).status == DockingStatus.PROPOSED
    assert client.get(f"/api/v1/demands/{demand.pk}/matches").status_code == 403


def test_provider_sees_only_its_own_dockings_on_a_demand(client):
    demand = make_demand()
    mine, theirs = make_provider(name="甲检测所"), make_provider(name="乙设计院")
    make_docking(demand, provider=mine)
    make_docking(demand, provider=theirs)
    login(client, member_of(mine))
    page = client.get(reverse("demands:detail", args=[demand.pk])).content.decode()
    assert "甲检测所" in page and "乙设计院" not in page


def test_docking_page_flow_for_the_provider(client):
    demand = make_demand()
    docking = make_docking(demand)
    login(client, member_of(docking.provider))
    page = client.get(reverse("demands:docking", args=[docking.pk])).content.decode()
    assert "接受对接" in page
    client.post(reverse("demands:docking_transition", args=[docking.pk, "accept"]))
    response = client.post(
        reverse("demands:docking_note", args=[docking.pk]), {"kind": "meeting", "text": "面谈"}
    )
    assert response.status_code == 400 and "会谈时间" in response.content.decode()
    client.post(reverse("demands:docking_transition", args=[docking.pk, "sign"]), {"amount": "5万"})
    assert Docking.objects.get(pk=docking.pk).status == DockingStatus.ACTIVE
    client.post(
        reverse("demands:docking_transition", args=[docking.pk, "sign"]), {"amount": "50000"}
    )
    assert Docking.objects.get(pk=docking.pk).status == DockingStatus.WON


def test_overdue_dockings_are_highlighted(client):
    demand = make_demand()
    late = make_docking(demand, respond_by=timezone.now() - timedelta(days=1))
    login(client, operator())
    page = client.get(reverse("demands:dockings"), {"overdue": 1}).content.decode()
    assert "table-warning" in page and late.provider.name in page


def test_review_queue_and_mine(client):
    demand = make_demand(published=False, title="待审的需求")
    actions.demand_submit(member_of(demand.enterprise), demand)
    login(client, make_user())
    assert client.get(reverse("demands:review")).status_code == 403
    login(client, operator())
    assert "待审的需求" in client.get(reverse("demands:review")).content.decode()
    login(client, member_of(demand.enterprise))
    assert "待审的需求" in client.get(reverse("demands:mine")).content.decode()


def test_weights_page_operator_only(client):
    login(client, make_user())
    assert client.get(reverse("demands:weights")).status_code == 403
    login(client, operator())
    response = client.post(
        reverse("demands:weights"),
        {"relevance": "1", "kind_fit": "0.1", "industry_fit": "0.1", "quality": "0.1",
         "voucher": "7", "distance": "0.1"},
    )  # fmt: skip
    assert response.status_code == 400


def test_broker_takes_a_demand_and_translates(client):
    broker = make_broker()
    demand = make_demand()
    login(client, broker.user)
    client.post(reverse("demands:assign_broker", args=[demand.pk]), {"take": "1"})
    assert Demand.objects.get(pk=demand.pk).broker == broker.user
    client.post(
        reverse("demands:translate", args=[demand.pk]), {"tech_keywords": "胶粘剂；剥离强度"}
    )
    assert Demand.objects.get(pk=demand.pk).tech_keywords == "胶粘剂；剥离强度"


# ------------------------------------------------------------------ matching


@pytest.fixture
def library():
    lab = make_provider(name="鞋材检测中心", district="330302")
    far = make_provider(name="上海鞋类研究院", district="000000")
    return {
        "instrument": make_resource(
            provider=lab, kind=ResourceKind.INSTRUMENT, title="足底压力分布测试系统",
            description="测量行走时足底压力分布，用于鞋垫与鞋楦舒适性研究。", voucher_eligible=True,
            detail={"fee_per_hour": "300"},
        ),
        "service": make_resource(
            provider=far, title="鞋类邻苯二甲酸酯检测",
            description="依据 REACH 法规检测鞋材中的邻苯二甲酸酯增塑剂。",
        ),
        "expert": make_resource(
            provider=lab, kind=ResourceKind.EXPERT, title="胶粘工艺专家",
            description="从事制鞋胶粘剂与鞋底粘合工艺研究二十年，解决开胶问题。",
            detail={"person_name": "陈工"},
        ),
    }  # fmt: skip


def test_match_api_ranks_and_explains(client, library):
    response = client.post(
        "/api/v1/match",
        json.dumps({"text": "鞋子开胶了，找人解决粘合问题", "limit": 3}),
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    top = body["results"][0]
    assert top["id"] == library["expert"].pk
    assert {"id", "external_id", "kind", "title", "provider", "district", "score", "highlight",
            "explanation"} <= set(top)  # fmt: skip
    factors = {f["factor"] for f in top["explanation"]["factors"]}
    assert {"relevance", "kind_fit", "industry_fit", "quality", "voucher", "distance"} == factors
    assert top["explanation"]["summary"]
    scores = [r["score"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True)


def test_match_api_kinds_filter_and_bad_input(client, library):
    response = client.post(
        "/api/v1/match",
        json.dumps({"text": "测足底压力", "kinds": ["instrument"]}),
        content_type="application/json",
    )
    assert [r["kind"] for r in response.json()["results"]] == ["instrument"]
    for payload, code in (
        ({"text": "鞋子检测", "kinds": ["spaceship"]}, "invalid_kind"),
        ({"text": " "}, "text_too_short"),
        ({"text": "鞋子检测", "industry": "火箭"}, "invalid_industry"),
    ):
        response = client.post(
            "/api/v1/match", json.dumps(payload), content_type="application/json"
        )
        assert response.status_code == 400
        assert response.json()["code"] == code


def test_distance_and_voucher_explain_the_order(library):
    from ..matching import Context, rank

    matches = rank("足底压力测试", Context(district="330302"), limit=3)
    top = matches[0]
    assert top.resource_id == library["instrument"].pk
    details = {f.code: f.detail for f in top.factors}
    assert "同区县" in details["distance"] and details["voucher"] == "可用创新券"


def test_demand_detail_shows_matches_and_starts_a_docking(client, library):
    demand = make_demand(
        title="鞋底开胶", description="鞋底与帮面粘合不牢，穿几天就开胶，需要胶粘工艺指导。"
    )
    login(client, member_of(demand.enterprise))
    page = client.get(reverse("demands:detail", args=[demand.pk])).content.decode()
    assert "胶粘工艺专家" in page and "发起对接" in page
    expert = library["expert"]
    client.post(
        reverse("demands:start_docking", args=[demand.pk]),
        {"provider": expert.provider_id, "resource": expert.pk, "message": "请联系"},
    )
    docking = Docking.objects.get(demand=demand)
    assert docking.initiator == "enterprise" and docking.resource == expert


def test_live_preview_while_typing(client, library):
    response = client.post(
        reverse("demands:match_preview"),
        {"title": "检测童鞋里的邻苯", "description": "出口欧洲要做 REACH 检测", "type": "testing"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "鞋类邻苯二甲酸酯检测" in response.content.decode()


def test_opportunities_for_a_provider(client, library):
    demand = make_demand(
        title="童鞋邻苯超标", description="出口童鞋检出邻苯二甲酸酯增塑剂超标，需要检测和整改建议。"
    )
    unrelated = make_demand(title="招聘鞋样设计师", description="需要一名有经验的女鞋设计师。")
    provider = library["service"].provider
    login(client, member_of(provider))
    page = client.get(reverse("demands:opportunities")).content.decode()
    assert demand.title in page
    assert page.find(demand.title) < page.find(unrelated.title) or unrelated.title not in page


def test_matched_terms_read_as_words_and_standard_numbers():
    from ..matching import display_terms

    shown = display_terms(["gbt3903.6", "邻苯二甲酸酯", "二甲", "酯", "~12", "gb30585", "iso17075"])
    assert shown == ["GB/T 3903.6", "邻苯二甲酸酯", "GB 30585", "ISO 17075"]
