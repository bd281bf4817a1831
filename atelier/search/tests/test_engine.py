import pytest
from django.db import connection

from atelier.search import analysis, engine
from atelier.search.highlight import highlight
from atelier.search.models import SearchDoc, SearchTerm

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

    def test_you_a_you_b_reads_as_the_word_ab(self):
        # 又红又痒 would otherwise be four single characters matching nothing.
        assert analysis.tokenize("耳朵后面又红又痒") == ["耳朵", "后面", "红痒"]
        assert "闷热" in analysis.tokenize("鞋子穿着又闷又热")
        assert analysis.tokenize("镜架又红又痒") == analysis.tokenize("镜架 红痒")
        assert "红痒" not in analysis.tokenize("又红，又痒")  # not the construction: no word

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

    def test_a_filter_almost_nothing_passes_stops_at_the_hard_limit(self, monkeypatch):
        docs = [doc(i, "鞋底防滑检测", district=["330302"]) for i in range(1, 200)]
        docs.append(doc(200, "皮革", "防滑 " + "面料 工艺 " * 40, district=["330304"]))
        engine.upsert(docs)
        monkeypatch.setattr(engine, "EXACT_LIMIT", 0)
        monkeypatch.setattr(engine, "FIRST_BATCH", 4)
        monkeypatch.setattr(engine, "MAX_POSTINGS_READ", 8)
        monkeypatch.setattr(engine, "HARD_LIMIT_FACTOR", 1)
        result = engine.search("鞋底 防滑", filters={"district": "330304"})
        assert result.approximate and result.hits == []  # gave up before reaching document 200
        monkeypatch.setattr(engine, "HARD_LIMIT_FACTOR", 1000)
        assert [
            h.doc_id for h in engine.search("鞋底 防滑", filters={"district": "330304"}).hits
        ] == [200]

    def test_a_facet_code_from_a_rolled_back_transaction_is_not_reused(self):
        from django.db import transaction

        with pytest.raises(RuntimeError), transaction.atomic():
            engine.upsert([doc(1, "镜架检测", district=["330399"])])
            # A search inside the doomed transaction sees (and caches) the new code.
            assert engine.search("镜架", filters={"district": "330399"}).count == 1
            raise RuntimeError("the import failed")
        engine.upsert([doc(2, "镜架检测", district=["330304"])])  # gets the same code number
        assert engine.search("镜架", filters={"district": "330399"}).count == 0
        assert [h.doc_id for h in engine.search("镜架", filters={"district": "330304"}).hits] == [2]

    def test_facet_codes_are_read_again_only_when_one_was_created(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        def reads_codes(**filters) -> bool:
            with CaptureQueriesContext(connection) as ctx:
                engine.search("镜架", filters=filters)
            return any("search_facet_code" in q["sql"] for q in ctx.captured_queries)

        engine.upsert([doc(1, "镜架检测", district=["330304"])])
        assert reads_codes()
        assert not reads_codes(district="330304")
        engine.upsert([doc(2, "镜架检测", district=["330381"])])  # a new district code
        assert reads_codes(district="330381")
        assert not reads_codes()
        assert [h.doc_id for h in engine.search("镜架", filters={"district": "330381"}).hits] == [2]

    def test_category_and_provider_filter_and_count_on_both_paths(self, monkeypatch):
        docs = [
            doc(
                i, "鞋底防滑检测", category=["检测" if i % 2 else "设计"], provider=[str(i % 3 + 1)]
            )
            for i in range(1, 61)
        ]
        engine.upsert(docs)
        for limit in (10**9, 0):
            monkeypatch.setattr(engine, "EXACT_LIMIT", limit)
            result = engine.search("防滑", filters={"category": "检测", "provider": 2}, limit=50)
            assert sorted(h.doc_id for h in result.hits) == [
                i for i in range(1, 61, 2) if i % 3 == 1
            ]
        monkeypatch.setattr(engine, "EXACT_LIMIT", 10**9)
        facets = engine.search("防滑", filters={"category": "检测"}).facets
        assert facets["category"] == {"检测": 30, "设计": 30}  # disjunctive: other values stay
        assert facets["provider"] == {"1": 10, "2": 10, "3": 10}

    def test_values_past_a_facets_code_limit_are_checked_on_document_rows(self, monkeypatch):
        monkeypatch.setitem(engine.CODE_LIMITS, "category", 1)  # only the first value gets a code
        categories = ["检测", "设计", "打样"]
        engine.upsert([doc(i, "鞋底防滑", category=[categories[i % 3]]) for i in range(1, 31)])
        for limit in (10**9, 0):
            monkeypatch.setattr(engine, "EXACT_LIMIT", limit)
            for value in categories:
                hits = engine.search("防滑", filters={"category": value}, limit=50).hits
                assert sorted(h.doc_id for h in hits) == [
                    i for i in range(1, 31) if categories[i % 3] == value
                ], (limit, value)

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
    assert after == before
    # A rebuild writes sealed blocks only.
    assert _count("search_posting") == 0 and _count("search_block") > 0
    assert not SearchDoc.objects.filter(sealed=False).exists()


def _count(table: str) -> int:
    with connection.cursor() as c:
        c.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - test constant
        return c.fetchone()[0]


def _blocks() -> list:
    """The sealed blocks by term text (term ids differ from one rebuild to the next)."""
    text = dict(SearchTerm.objects.values_list("id", "text"))
    with connection.cursor() as c:
        c.execute("SELECT key, last, data FROM search_block")
        rows = c.fetchall()
    return sorted((text[k >> 24], k & 0xFFFFFF, bool(last), bytes(data)) for k, last, data in rows)


def _ranking(text: str, **kwargs) -> list[tuple[int, float]]:
    return [(h.doc_id, round(h.score, 9)) for h in engine.search(text, **kwargs).hits]


CORPUS_WORDS = "鞋底 防滑 耐磨 检测 镜架 镍释放 皮革 甲醛 舒适性 足底压力 设计 打样".split()


def _random_docs(rng, ids, districts=("330302", "330304", "330381")):
    out = []
    for i in ids:
        title = "".join(rng.sample(CORPUS_WORDS, 2))
        body = " ".join(rng.choices(CORPUS_WORDS, k=rng.randint(1, 12)))
        facets = {
            "district": [rng.choice(districts)],
            "voucher": [rng.choice("01")],
            "industry": [rng.choice(["shoes", "eyewear"])],
        }
        out.append(doc(i, title, body, **facets))
    return out


class TestSealedBlocks:
    """Sealed blocks, the delta and the stale set together rank exactly like an index built by
    upserts alone, on the exhaustive and the top-k path, before and after sealing."""

    QUERIES = [
        ("防滑 检测", {}),
        ("镜架 镍释放", {"district": "330304"}),
        ("皮革 甲醛 舒适性", {"voucher": True}),
        ("足底压力 设计", {"industry": "shoes"}),
        ("打样", {"category": "检测"}),
    ]

    def _results(self, monkeypatch, exact_limit):
        monkeypatch.setattr(engine, "EXACT_LIMIT", exact_limit)
        monkeypatch.setattr(engine, "FIRST_BATCH", 8)
        out = []
        for text, filters in self.QUERIES:
            result = engine.search(text, filters=filters, limit=15)
            count = None if result.approximate else result.count  # estimates are not compared
            out.append((_ranking(text, filters=filters, limit=15), count))
        return out

    def test_edits_after_a_rebuild_and_sealing_keep_the_ranking_exact(self, monkeypatch):
        import random

        rng = random.Random(7)
        docs = _random_docs(rng, range(1, 401))
        for d in docs[::3]:
            d.facets["category"] = ["检测"]
        with engine.bulk_rebuild():
            engine.upsert(docs)
        # Edit a quarter of the documents and delete some, through the delta and stale set.
        edited = _random_docs(rng, range(1, 401, 4))
        engine.upsert(edited)
        engine.delete(list(range(3, 401, 10)))
        engine.upsert(_random_docs(rng, range(401, 431)))  # new ones
        assert _count("search_stale") > 0 and _count("search_posting") > 0
        mixed = {limit: self._results(monkeypatch, limit) for limit in (10**9, 0)}
        # Exhaustive and top-k rank alike (the top-k path stops early: its counts are estimates).
        assert [r for r, _ in mixed[10**9]] == [r for r, _ in mixed[0]]
        assert all(n is not None for _, n in mixed[10**9])

        # Both agree with a brute-force scan of the forward index of every live document.
        expected = [self._brute_force(text, filters) for text, filters in self.QUERIES]
        assert [r for r, _ in mixed[0]] == expected
        report = engine.seal()
        assert report["stale_documents"] > 0 and report["delta_postings"] > 0
        assert _count("search_stale") == 0 and _count("search_posting") == 0
        assert not SearchDoc.objects.filter(sealed=False).exists()
        sealed = {limit: self._results(monkeypatch, limit) for limit in (10**9, 0)}
        assert sealed == mixed
        stats = engine.SearchStats.objects.get()
        assert stats.n_docs == SearchDoc.objects.count() == 400 - 40 + 30

    @staticmethod
    def _brute_force(text, filters, limit=15):
        from atelier.search.postings import unpack_forward

        n_docs = engine.SearchStats.objects.get().n_docs
        weights = engine.weighted_query(text)
        terms = {
            term_id: weights[t] * engine.idf(df, n_docs) / engine.SCALE
            for term_id, t, df in SearchTerm.objects.filter(text__in=weights, df__gt=0)
            .values_list("id", "text", "df")
        }  # fmt: skip
        scored = []
        for row in SearchDoc.objects.values_list(*engine.DOC_COLUMNS, "forward"):
            if not engine._doc_matches(row, filters):
                continue
            score = sum(terms.get(t, 0) * i for t, i in unpack_forward(row[7]).tolist())
            if score:
                scored.append((round(score, 9), row[0]))
        scored.sort(key=lambda x: (-x[0], x[1]))
        return [(d, s) for s, d in scored[:limit]]

    def test_lists_read_together_step_by_step_as_each_reads_alone(self, monkeypatch):
        import random

        from atelier.search import postings

        monkeypatch.setattr(postings, "BLOCK", 4)  # many blocks per term, partial last ones
        with engine.bulk_rebuild():
            engine.upsert(_random_docs(random.Random(3), range(1, 160)))
        words = ["防滑", "镜架", "甲醛"]
        term_ids = list(SearchTerm.objects.filter(text__in=words).values_list("id", flat=True))

        def steps(together: bool) -> list:
            lists = [postings.Source(t, sealed=True) for t in term_ids]
            out = []
            for n in (5, 9, 30, None):
                live = [s for s in lists if s.live]
                if together:
                    got = postings.read([(s, n) for s in live])
                else:
                    got = [s.read(n) for s in live]
                pairs = zip(live, got, strict=True)
                out += [(s.term_id, g.tolist(), s.live, s.bound) for s, g in pairs]
            return out

        together = steps(True)
        assert together == steps(False)
        for term_id in term_ids:  # every posting read once, in block order
            read = [p for t, rows, *_ in together if t == term_id for p in rows]
            assert read == postings.read_term(term_id).tolist() and len(read) > 30
        expected = [self._brute_force(text, filters) for text, filters in self.QUERIES]
        assert [r for r, _ in self._results(monkeypatch, 0)] == expected

    def test_a_replaced_sealed_document_is_found_by_its_new_words_only(self):
        with engine.bulk_rebuild():
            engine.upsert([doc(1, "防水测试"), doc(2, "防水测试")])
        engine.upsert([doc(1, "防滑测试")])
        assert [h.doc_id for h in engine.search("防水").hits] == [2]
        assert [h.doc_id for h in engine.search("防滑").hits] == [1]
        assert engine.docs_with_terms(["防水"]) == [2]
        engine.delete([2])
        assert engine.search("防水").count == 0
        assert engine.docs_with_terms(["防水"]) == []
        assert SearchTerm.objects.get(text="防水").df == 0
        engine.seal()
        assert engine.search("防水").count == 0
        assert [h.doc_id for h in engine.search("测试").hits] == [1]

    def test_pipelined_analysis_in_a_worker_builds_the_same_index(self):
        docs = [
            doc(i, f"鞋底{i % 3}防滑", "耐磨 检测 足底压力 " * (i % 4 + 1)) for i in range(1, 90)
        ]
        with engine.bulk_rebuild():
            for i in range(0, len(docs), 20):
                engine.upsert(docs[i : i + 20])
        alone = _ranking("防滑 足底压力", limit=50), _blocks()
        with engine.bulk_rebuild(workers=1):
            for i in range(0, len(docs), 20):
                engine.upsert(docs[i : i + 20])
        assert (_ranking("防滑 足底压力", limit=50), _blocks()) == alone
        assert engine.SearchStats.objects.get().n_docs == 89

    def test_a_document_id_past_32_bits_fails_the_rebuild_and_changes_nothing(self):
        from django.db import transaction

        engine.upsert([doc(1, "防水测试")])
        with pytest.raises(ValueError), transaction.atomic(), engine.bulk_rebuild():
            engine.upsert([doc(2**32, "防水测试")])
        assert [h.doc_id for h in engine.search("防水").hits] == [1]

    def test_a_document_twice_in_one_rebuild_is_refused(self):
        with pytest.raises(ValueError), engine.bulk_rebuild():
            engine.upsert([doc(1, "防水测试")])
            engine.upsert([doc(1, "防水测试")])
