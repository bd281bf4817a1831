"""The default synonym groups (data/synonyms.txt) stay well-formed, and migration 0005 brings an
existing database's groups up to date without touching what operators changed."""

import importlib
from collections import Counter

import pytest

from atelier.search import analysis
from atelier.search.models import SynonymGroup

sync = importlib.import_module("atelier.search.migrations.0005_default_synonyms_2")
ONE_CHARACTER_ALLOWED = {"镍", "钛"}  # one meaning each in this domain


class TestDefaultGroups:
    def test_groups_are_small_distinct_and_segmentable(self):
        groups = analysis.default_synonym_groups()
        assert len(groups) > 200
        words = Counter(analysis.normalize(w) for g in groups for w in set(g))
        assert [w for w, n in words.items() if n > 1] == []  # a shared word joins two groups
        assert all(2 <= len(g) <= 14 for g in groups)
        assert {w for w in words if len(w) == 1} <= ONE_CHARACTER_ALLOWED
        assert not set(words) & analysis.stopwords()
        # Every word comes out of the segmenter whole, or it could never match.
        assert [w for w in words if w not in analysis.tokenize(w)] == []

    @pytest.mark.parametrize(
        ("complaint", "technical"),
        [
            ("耳钉", "饰品"),
            ("发痒", "镍释放"),
            ("开口笑", "剥离强度"),
            ("闷脚", "透湿"),
            ("脚臭", "抑菌"),
            ("刺鼻", "挥发性有机物"),
            ("塑化剂", "邻苯二甲酸酯"),
            ("刮花", "加硬膜"),
            ("墨镜", "太阳镜"),
            ("合页", "铰链"),
            ("龟裂", "耐折"),
            ("缩水", "尺寸变化率"),
        ],
    )
    def test_everyday_words_reach_the_technical_ones(self, complaint, technical):
        syn = analysis.Synonyms(enumerate(analysis.default_synonym_groups()))
        assert set(syn.group_tokens(complaint)) & set(syn.group_tokens(technical))

    def test_unrelated_meanings_stay_apart(self):
        syn = analysis.Synonyms(enumerate(analysis.default_synonym_groups()))
        for a, b in [("欧盟", "reach"), ("检测", "设计"), ("商标", "品牌"), ("童鞋", "孩子"),
                     ("打版", "放码"), ("ce", "医疗器械"), ("培训", "学习")]:  # fmt: skip
            assert not set(syn.group_tokens(a)) & set(syn.group_tokens(b)), (a, b)


@pytest.mark.django_db
class TestMigration:
    def rows(self):
        return {g.words: g.active for g in SynonymGroup.objects.all()}

    def test_fresh_database_is_unchanged(self):
        before = self.rows()
        assert len(before) == len(analysis.default_synonym_groups())
        sync.sync_defaults(SynonymGroup, analysis.default_synonym_groups())
        assert self.rows() == before

    def test_old_seed_is_brought_up_to_date_and_operator_edits_are_kept(self):
        SynonymGroup.objects.all().delete()
        for line in sync.PREVIOUS_DEFAULTS:
            SynonymGroup.objects.create(words=line)
        edited = SynonymGroup.objects.get(words="商标 品牌 注册商标")
        edited.words = "商标 品牌 注册商标 牌子"
        edited.save()
        SynonymGroup.objects.filter(words__startswith="中底 ").update(active=False)
        SynonymGroup.objects.create(words="甲方 乙方")

        sync.sync_defaults(SynonymGroup, analysis.default_synonym_groups())
        rows = self.rows()
        assert "商标 品牌 注册商标 牌子" in rows  # edited: the operator's
        assert "甲方 乙方" in rows  # the operator's own
        assert "欧盟 出口欧盟 欧洲 德国 EU REACH" not in rows  # untouched and revised: replaced
        assert rows["欧盟 出口欧盟 欧洲 德国 EU"] is True
        assert rows["鞋面 鞋帮 帮面"] is True  # unchanged default: kept, not doubled
        assert SynonymGroup.objects.filter(words="鞋面 鞋帮 帮面").count() == 1
        # Switched off by an operator: kept, and the new groups sharing its words stay off.
        assert rows["中底 内底 鞋垫"] is False
        assert rows["中底 内底 中底板"] is False and rows["鞋垫 内垫 鞋垫子 足垫"] is False
        assert any(w.startswith("开胶 ") and "开口笑" in w and on for w, on in rows.items())
        # A second run changes nothing.
        sync.sync_defaults(SynonymGroup, analysis.default_synonym_groups())
        assert self.rows() == rows
