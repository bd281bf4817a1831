import pytest
from django.db import connection

from atelier.search import analysis, engine
from atelier.search.highlight import highlight

pytestmark = pytest.mark.django_db


def doc(doc_id, title, body="", **facets):
    facets = {"kind": ["service"], "district": ["330302"], "voucher": ["1"], **facets}
    return engine.Document(doc_id, {"title": title, "body": body}, facets)


class TestAnalysis:
    def test_standard_numbers_become_one_term_without_edition(self):
        terms = analysis.tokenize("依据GB/T 3903.6-2017及 ISO 13287:2019 测定")
        assert "gbt3903.6" in terms and "iso13287" in terms

    def test_domain_words_stay_whole_and_filler_is_dropped(self):
        terms = analysis.tokenize("想找个地方测一下足底压力")
        assert "足底压力" in terms
        assert "想" not in terms and "一下" not in terms

    def test_full_width_and_case_are_folded(self):
        assert analysis.tokenize("ＴＲ９０") == analysis.tokenize("tr90")


class TestEngine:
    def test_title_beats_body_and_idf_beats_common_words(self):
        engine.upsert([
            doc(1, "鞋楦设计", "提供服务"),
            doc(2, "鞋垫定制", "鞋楦设计相关服务"),
            doc(3, "服务", "服务服务"),
        ])  # fmt: skip
        hits = engine.search("鞋楦 服务").hits
        assert [h.doc_id for h in hits][:2] == [1, 2]

    def test_exhaustive_and_top_k_paths_rank_the_same(self, monkeypatch):
        docs = [doc(i, f"检测{i % 7}号", "防滑 耐磨 " * (i % 5 + 1)) for i in range(1, 301)]
        engine.upsert(docs)
        exact = engine.search("防滑 检测", limit=20)
        monkeypatch.setattr(engine, "EXACT_LIMIT", 0)
        monkeypatch.setattr(engine, "FIRST_BATCH", 16)
        ranked = engine.search("防滑 检测", limit=20)
        assert [h.doc_id for h in ranked.hits] == [h.doc_id for h in exact.hits]
        assert ranked.count == exact.count == 300

    def test_filters_use_the_facet_bits(self, monkeypatch):
        engine.upsert([
            doc(1, "镜架检测", district=["330304"], industry=["eyewear"]),
            doc(2, "镜架检测", district=["330302"], industry=["shoes"], voucher=["0"]),
        ])  # fmt: skip
        monkeypatch.setattr(engine, "EXACT_LIMIT", 0)
        assert [h.doc_id for h in engine.search("镜架", filters={"district": "330304"}).hits] == [1]
        assert [h.doc_id for h in engine.search("镜架", filters={"industry": "shoes"}).hits] == [2]
        assert [h.doc_id for h in engine.search("镜架", filters={"voucher": True}).hits] == [1]

    def test_replacing_and_deleting_keep_statistics_right(self):
        engine.upsert([doc(1, "防水测试"), doc(2, "防水测试")])
        engine.upsert([doc(1, "防滑测试")])
        assert engine.search("防水").count == 1
        engine.delete([2])
        assert engine.search("防水").count == 0
        stats = engine.SearchStats.objects.get()
        assert stats.n_docs == 1
        with connection.cursor() as c:
            c.execute("SELECT count(*) FROM search_posting WHERE doc_id = 2")
            assert c.fetchone()[0] == 0

    def test_the_postings_table_is_known_to_django(self):
        # So test-database flushes (live-server browser tests) empty it too.
        assert "search_posting" in connection.introspection.django_table_names(only_existing=True)


def test_highlight_escapes_and_marks():
    html = highlight("<i>鞋底</i>防滑检测", ["防滑"])
    assert html == "&lt;i&gt;鞋底&lt;/i&gt;<mark>防滑</mark>检测"


def test_bulk_rebuild_gives_the_same_index_as_upserts():
    docs = [doc(i, f"鞋底{i % 3}防滑", "耐磨 检测 " * (i % 4 + 1)) for i in range(1, 60)]
    for i in range(0, len(docs), 20):  # the same batches, so the same running averages
        engine.upsert(docs[i : i + 20])
    before = [(h.doc_id, round(h.score, 9)) for h in engine.search("防滑 耐磨", limit=30).hits]
    with engine.bulk_rebuild():
        for i in range(0, len(docs), 20):
            engine.upsert(docs[i : i + 20])
    after = [(h.doc_id, round(h.score, 9)) for h in engine.search("防滑 耐磨", limit=30).hits]
    assert [d for d, _ in after] == [d for d, _ in before]
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM search_posting")
        assert c.fetchone()[0] > 0
