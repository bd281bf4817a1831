"""Matching candidates (catalog/matching.py): hybrid lexical + semantic retrieval with query
understanding, on a small factory-made catalogue and on the development set of ../shared/eval."""

import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from atelier.catalog import actions
from atelier.catalog.management.commands.bench import evaluate
from atelier.catalog.matching import candidates, intent_kinds
from atelier.catalog.models import Resource, ResourceKind
from atelier.search.models import SearchEmbedding

from .factories import make_provider, make_resource

pytestmark = pytest.mark.django_db
EVAL = settings.PROJECT_DIR.parent / "shared" / "eval"


@pytest.fixture
def catalogue():
    lab = make_provider(name="温州鞋革检测中心", district="330302")
    return {
        "service": make_resource(
            provider=lab,
            title="鞋底防滑性能测定",
            description="依据GB/T 3903.6测量外底在瓷砖和钢板上的动摩擦系数，3个工作日出报告。",
        ),
        "instrument": make_resource(
            provider=lab,
            kind=ResourceKind.INSTRUMENT,
            title="鞋类防滑性能试验机",
            category="仪器共享",
            description="可按机时预约使用，测定成鞋与外底的动摩擦系数，企业可自带样品上机。",
        ),
        "expert": make_resource(
            provider=lab,
            kind=ResourceKind.EXPERT,
            title="王工 – 高级工程师，橡胶大底配方",
            category="专家咨询",
            description="从事橡胶与EVA大底配方二十年，可上门诊断防滑、耐磨与黄变问题。",
        ),
        "eyewear": make_resource(
            provider=lab,
            title="眼镜架镍析出量测定",
            description="测定镜腿、鼻托等接触皮肤部位的镍析出量，判定是否满足欧盟限值。",
            clusters=("eyewear",),
        ),
    }


def ids(found):
    return [c.resource_id for c in found]


def test_intent_cues():
    assert intent_kinds("有没有防滑试验机可以按次租用？") == ["instrument"]
    assert intent_kinds("想请懂配方的老师傅来厂里指导") == ["expert"]
    assert intent_kinds("有没有能转让的专利技术") == ["achievement"]
    assert intent_kinds("哪里能测一下防滑") == ["service", "instrument"]
    assert intent_kinds("鞋楦设计") == []


def test_an_instrument_query_ranks_the_instrument_first(catalogue):
    found = candidates("鞋底防滑测试的设备能不能按次租用？", limit=10)
    assert found[0].resource_id == catalogue["instrument"].pk
    assert found[0].intent_kinds == ["instrument"]
    assert catalogue["service"].pk in ids(found[:3])


def test_an_expert_query_ranks_the_expert_first(catalogue):
    found = candidates("大底老是打滑，想请懂配方的老师傅来厂里看看", limit=10)
    assert found[0].resource_id == catalogue["expert"].pk


def test_scores_are_calibrated_and_explained(catalogue):
    found = candidates("鞋底防滑性能测定", limit=10)
    assert found[0].resource_id == catalogue["service"].pk
    assert all(0 <= c.relevance <= 1 and 0 <= c.lexical <= 1 and 0 <= c.semantic <= 1
               for c in found)  # fmt: skip
    assert [c.relevance for c in found] == sorted((c.relevance for c in found), reverse=True)
    assert found[0].lexical == 1.0 and "防滑" in found[0].matched_terms
    assert found[-1].relevance < found[0].relevance


def test_semantic_side_finds_offers_without_shared_words(catalogue):
    found = candidates("戴了金属框眼镜以后鼻子两边又红又痒", limit=2)
    assert found[0].resource_id == catalogue["eyewear"].pk


def test_kind_filter_and_industry_boost(catalogue):
    found = candidates("防滑", kinds=["instrument"], limit=10)
    assert ids(found) == [catalogue["instrument"].pk]
    found = candidates("检测", industry="eyewear", limit=10)
    assert found[0].resource_id == catalogue["eyewear"].pk
    assert candidates("防滑", district="330381") == []


def test_vectors_follow_edits_and_unpublishing(catalogue, operator):
    resource = catalogue["service"]
    before = SearchEmbedding.objects.get(doc_id=resource.pk).digest
    actions.resource_update(actor=operator, resource=resource, description="测定童鞋鞋面甲醛含量。")
    assert SearchEmbedding.objects.get(doc_id=resource.pk).digest != before
    actions.resource_archive(actor=operator, resource=resource, reason="停止服务")
    assert not SearchEmbedding.objects.filter(doc_id=resource.pk).exists()
    assert resource.pk not in ids(candidates("鞋底防滑性能测定", limit=10))


@pytest.mark.skipif(not (EVAL / "corpus.csv").is_file(), reason="evaluation set not present")
class TestDevelopmentSet:
    """The guard on the development set, and colloquial questions written for this test (not
    tuning targets): each names the listings a person would want to see in the first five."""

    OWN_QUERIES = [
        ("鞋子穿了没几天鞋底就磨平了，想知道耐磨合不合格", {"R0160", "R0002", "R0090"}),
        ("夏天穿我们的鞋脚特别闷，透气到底怎么样", {"R0191"}),
        ("眼镜腿开合没几次就松了，哪里能做耐久测试", {"R0014", "R0196"}),
        ("镜片戴久了表面的膜一块块掉", {"R0065", "R0127"}),
        ("买来的皮料不知道是不是真牛皮", {"R0078"}),
        ("老人走路容易摔，有没有防摔的鞋", {"R0216"}),
        ("新款眼镜想申请外观专利，能不能快点批下来", {"R0038"}),
        ("皮鞋放了一个梅雨季就长毛发霉，想找防霉的材料", {"R0212"}),
        ("车间针车工手艺不行，想送去培训", {"R0096", "R0154"}),
        ("想把自己的品牌商标注册到国外去", {"R0039"}),
        ("客户要我们算一双鞋的碳排放", {"R0073"}),
        ("衬衫洗一次就缩水，尺寸变化太大", {"R0104"}),
        ("合成革有股刺鼻的溶剂味，怀疑DMF超标", {"R0202"}),
        ("做劳保鞋要检验防砸防刺穿，找谁", {"R0023", "R0137"}),
        ("饰品卖到欧洲，担心含镍让人过敏", {"R0018", "R0221"}),
        ("皮衣摩擦后掉色染到衬衫上", {"R0182", "R0199"}),
    ]

    @pytest.fixture
    def corpus(self):
        out = io.StringIO()
        call_command("import", "resources", str(EVAL / "corpus.csv"), stdout=out, stderr=out)
        return dict(Resource.objects.values_list("pk", "external_id"))

    def test_development_set_ndcg_stays_above_target(self, corpus):
        from atelier.demands.matching import match_text

        queries = [
            json.loads(line)
            for line in Path(EVAL / "queries_dev.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        result = evaluate(lambda t: [corpus[m.resource_id] for m in match_text(t)], queries)
        assert result["ndcg@10"] >= 0.90, result  # measured 0.9039 (docs/benchmarks.md)
        assert result["mrr"] >= 0.95, result

    def test_own_colloquial_questions(self, corpus):
        missed = []
        for text, wanted in self.OWN_QUERIES:
            top = [corpus[c.resource_id] for c in candidates(text, limit=5)]
            if not wanted & set(top):
                missed.append((text, top))
        assert len(missed) <= 0.2 * len(self.OWN_QUERIES), missed
