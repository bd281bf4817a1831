"""Benchmarks behind `atelier bench` (see the command for the JSON lines they print)."""

from __future__ import annotations

import csv
import math
from collections import Counter
from pathlib import Path


def baseline_ranker(corpus_path: Path):
    """The reference ranker of the evaluation set's README: jieba search-mode tokens of
    title + category + industries + description, Okapi BM25 (k1 = 1.5, b = 0.75, negative idf
    floored at 0.25 × mean idf, as rank-bm25's BM25Okapi), no dictionary, no synonyms."""
    import rjieba

    jieba = rjieba.Jieba()  # its own default dictionary, untouched by our domain words
    with corpus_path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    docs = []
    for r in rows:
        text = " ".join([r["title"], r["category"], r["industries"], r["description"]])
        docs.append([t for t in jieba.cut_for_search(text) if t.strip()])
    n = len(docs)
    avgdl = sum(len(d) for d in docs) / max(n, 1)
    df = Counter(t for d in docs for t in set(d))
    idf = {t: math.log((n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
    floor = 0.25 * (sum(idf.values()) / max(len(idf), 1))
    idf = {t: (v if v > 0 else floor) for t, v in idf.items()}
    tfs = [Counter(d) for d in docs]
    k1, b = 1.5, 0.75

    def rank(text: str) -> list[str]:
        query = [t for t in jieba.cut_for_search(text) if t.strip()]
        scored = []
        for i, tf in enumerate(tfs):
            norm = k1 * (1 - b + b * len(docs[i]) / avgdl)
            s = sum(idf.get(t, 0) * tf[t] * (k1 + 1) / (tf[t] + norm) for t in query if tf[t])
            if s > 0:
                scored.append((s, i))
        scored.sort(key=lambda x: (-x[0], x[1]))
        return [rows[i]["external_id"] for _, i in scored[:10]]

    return rank


# --------------------------------------------------------------------------------------------
# `atelier bench search`: indexing rate and query latency on N synthetic resources.

PRODUCTS = (
    "童鞋 皮鞋 运动鞋 休闲鞋 女鞋 男鞋 安全鞋 劳保鞋 登山鞋 老人鞋 拖鞋 凉鞋 靴子 板鞋 "
    "鞋垫 鞋底 中底 鞋面 鞋楦 眼镜架 镜片 太阳镜 老花镜 钛架 板材架 镜腿 鼻托 铰链 "
    "服装 衬衫 西装 针织衫 童装 羽绒服 "
    "面料 纽扣 拉链 饰品 耳环 项链 手表带 皮具 箱包 皮革 合成革 超纤"
).split()
MATERIALS = (
    "EVA 橡胶 TPR TPU PU PVC 牛皮 羊皮 头层牛皮 二层牛皮 超纤 网布 飞织 钛 β钛 TR90 醋酸纤维 "
    "合金 不锈钢 树脂 PC 玻璃 棉 涤纶 锦纶 氨纶 真丝 羊毛 胶粘剂 处理剂 染料 涂饰剂"
).split()
METHODS = (
    "检测 测定 检验 测试 分析 评价 认证 设计 打样 研发 开发 咨询 培训 改造 优化 仿真 建模 扫描 "
    "打印 加工 注塑 硫化 发泡 电镀 喷涂 焊接 抛光 裁断 缝制 成型 质检 溯源 核查 评估"
).split()
PROPERTIES = (
    "防滑 耐磨 耐折 剥离强度 色牢度 镍释放 甲醛 偶氮 六价铬 邻苯二甲酸酯 多环芳烃 重金属 舒适性 "
    "足底压力 抗黄变 防水 透气 回弹 硬度 拉伸强度 撕裂强度 耐腐蚀 盐雾 抗冲击 蓝光 透光率 "
    "尺寸稳定性 阻燃 抗菌 除臭 气味 VOC 碳足迹 生物降解 静电"
).split()
STANDARDS = (
    "GB 30585 GB/T 3903.6 QB/T 1002 GB 25038 GB/T 14214 EN 1811 ISO 13287 GB 18401 "
    "GB 21148 QB/T 2880 ISO 12870 GB/T 6461 FZ/T 73020 ISO 17707 SATRA TM60"
).split(" ")
FILLER = (
    "提供 专业 服务 企业 报告 工作日 样品 周期 团队 设备 实验室 方案 数据 标准 要求 项目 客户 质量 "
    "技术 工艺 产品 生产 批量 快速 精准 全程 上门 取样 出具 资质 经验 国家 行业 省级 市场 出口 内销"
).split()
CATEGORIES = (
    "检测认证 材料研发 工业设计 有害物质检测 智能制造 表面处理 培训 生物力学测试 科技金融 品牌营销 "
    "光学检测 知识产权 清洁生产"
).split()
KINDS = ["service"] * 9 + ["expert"] * 4 + ["instrument"] * 4 + ["achievement"] * 3
CLUSTERS = ["shoes"] * 5 + ["leather"] * 2 + ["eyewear"] * 3 + ["apparel"] * 2 + ["accessories"]
DISTRICTS = ["330302"] * 6 + ["330304"] * 4 + ["330381"] * 2 + ["330303", "330324", "000000"]


def _zipf(rng, words: list[str]) -> str:
    # Popularity falls with rank (1/r), like real vocabularies.
    weights = [1 / (i + 1) for i in range(len(words))]
    return rng.choices(words, weights=weights, k=1)[0]


def synthetic_document(rng, doc_id: int):
    from atelier.search.engine import Document

    product, prop, method = _zipf(rng, PRODUCTS), _zipf(rng, PROPERTIES), _zipf(rng, METHODS)
    title = f"{product}{prop}{method}"
    if rng.random() < 0.3:
        title = f"{_zipf(rng, MATERIALS)}{title}"
    clauses = []
    for _ in range(rng.randint(5, 9)):
        clauses.append(
            rng.choice(
                [
                    f"依据{rng.choice(STANDARDS)}开展{_zipf(rng, PROPERTIES)}{_zipf(rng, METHODS)}",
                    f"适用于{_zipf(rng, MATERIALS)}{_zipf(rng, PRODUCTS)}",
                    f"{_zipf(rng, FILLER)}{_zipf(rng, FILLER)}{rng.randint(2, 15)}个工作日",
                    f"可对{_zipf(rng, PRODUCTS)}进行{_zipf(rng, PROPERTIES)}与"
                    f"{_zipf(rng, PROPERTIES)}{_zipf(rng, METHODS)}",
                    f"{_zipf(rng, FILLER)}{_zipf(rng, METHODS)}{_zipf(rng, FILLER)}",
                ]
            )
        )
    category = _zipf(rng, CATEGORIES)
    cluster = rng.choice(CLUSTERS)
    return Document(
        doc_id=doc_id,
        fields={
            "title": title,
            "category": category,
            "industry": {
                "shoes": "鞋业",
                "leather": "皮革",
                "eyewear": "眼镜",
                "apparel": "服装",
                "accessories": "饰品",
            }[cluster],
            "body": "，".join(clauses) + "。",
        },  # fmt: skip
        facets={
            "kind": [rng.choice(KINDS)],
            "industry": [cluster],
            "district": [rng.choice(DISTRICTS)],
            "category": [category],
            "voucher": ["1" if rng.random() < 0.6 else "0"],
            "provider": [str(rng.randint(1, max(10, doc_id // 50 + 1)))],
        },
    )


def synthetic_queries(rng, n: int) -> list[tuple[str, dict]]:
    pools = [PRODUCTS, PROPERTIES, METHODS, MATERIALS]
    out = []
    for _ in range(n):
        words = [_zipf(rng, rng.choice(pools)) for _ in range(rng.randint(1, 3))]
        filters = {}
        if rng.random() < 0.5:
            name = rng.choice(["kind", "district", "industry", "voucher"])
            filters[name] = {
                "kind": lambda: rng.choice(KINDS),
                "district": lambda: rng.choice(DISTRICTS),
                "industry": lambda: rng.choice(CLUSTERS),
                "voucher": lambda: True,
            }[name]()
        out.append((" ".join(words), filters))
    return out


def _percentiles(samples: list[float]) -> dict:
    s = sorted(samples)

    def pick(p: float) -> float:
        return round(s[min(len(s) - 1, int(p * len(s)))] * 1000, 2)

    return {"p50_ms": pick(0.50), "p95_ms": pick(0.95), "p99_ms": pick(0.99),
            "mean_ms": round(sum(s) / len(s) * 1000, 2)}  # fmt: skip


class CorpusModel:
    """Synthetic resources shaped like a real corpus: each one takes a real listing as its
    template and swaps about a third of its words for words drawn by corpus frequency, so
    lengths, vocabulary size and document frequencies stay realistic at any scale."""

    def __init__(self, corpus_path: Path, rng):
        import rjieba

        from atelier.search.analysis import stopwords

        self.rng = rng
        with corpus_path.open(encoding="utf-8-sig", newline="") as fh:
            self.rows = list(csv.DictReader(fh))
        cut = rjieba.Jieba().cut
        self.templates = [(cut(r["title"]), cut(r["description"]), r) for r in self.rows]
        counts = Counter(t for title, body, _ in self.templates for t in title + body)
        self.words = list(counts)
        self.weights = [counts[w] for w in self.words]
        stop = stopwords()
        df = Counter(t for title, body, _ in self.templates for t in set(title + body))
        self.query_words = [w for w in df if len(w) >= 2 and w not in stop and w.isalnum()]
        self.query_weights = [df[w] for w in self.query_words]

    def _mutate(self, tokens: list[str], p: float = 0.35) -> str:
        out = []
        for t in tokens:
            if self.rng.random() < p and t.strip() and t.isalnum():
                t = self.rng.choices(self.words, weights=self.weights, k=1)[0]
            out.append(t)
        return "".join(out)

    def document(self, doc_id: int):
        from atelier.search.engine import Document

        title, body, row = self.rng.choice(self.templates)
        cluster = self.rng.choice(CLUSTERS)
        category = row["category"]
        return Document(
            doc_id=doc_id,
            fields={
                "title": self._mutate(title),
                "category": category,
                "industry": row["industries"].replace(";", " "),
                "body": self._mutate(body) + " " + row["provider"],
            },  # fmt: skip
            facets={
                "kind": [row["kind"]],
                "industry": [cluster],
                "district": [self.rng.choice(DISTRICTS)],
                "category": [category],
                "voucher": ["1" if self.rng.random() < 0.6 else "0"],
                "provider": [str(self.rng.randint(1, max(10, doc_id // 50 + 1)))],
            },
        )

    def queries(self, n: int) -> list[tuple[str, dict]]:
        out = []
        for _ in range(n):
            k = self.rng.randint(1, 3)
            words = self.rng.choices(self.query_words, weights=self.query_weights, k=k)
            filters = {}
            if self.rng.random() < 0.5:
                name = self.rng.choice(["kind", "district", "industry", "voucher"])
                filters[name] = {
                    "kind": lambda: self.rng.choice(KINDS),
                    "district": lambda: self.rng.choice(DISTRICTS),
                    "industry": lambda: self.rng.choice(CLUSTERS),
                    "voucher": lambda: True,
                }[name]()
            out.append((" ".join(words), filters))
        return out


def run_search_bench(
    *,
    rows: int,
    queries: int,
    seed: int,
    tantivy: bool,
    like: bool,
    corpus: str | None = None,
    keep: bool = False,
):
    """Yields JSON-able dicts: indexing, our query latency, tantivy's, the LIKE scan's."""
    import gc
    import os
    import platform
    import random
    import time

    from django.db import connection, transaction

    from atelier.core.benchdb import throwaway_database
    from atelier.search import engine

    rng = random.Random(seed)
    model = CorpusModel(Path(corpus), rng) if corpus else None
    make_document = model.document if model else (lambda i: synthetic_document(rng, i))
    machine = {"cpus": os.cpu_count(), "python": platform.python_version(),
               "machine": platform.machine()}  # fmt: skip
    with throwaway_database(keep=keep) as tmp:
        if connection.vendor == "sqlite":
            with connection.cursor() as c:
                c.execute("PRAGMA journal_mode=WAL")
                c.execute("PRAGMA cache_size=-262144")  # 256 MiB page cache
        if like:
            with connection.cursor() as c:
                c.execute(
                    "CREATE TABLE bench_like (doc_id bigint PRIMARY KEY, title text, body text)"
                )
        # Index
        batch = 2000
        gc.disable()  # millions of long-lived rows: let the collector not rescan them per batch
        twin = TantivyIndex(tmp) if tantivy else None
        started = time.perf_counter()
        generated = 0.0
        # Analysis pipelined into worker processes, as `atelier reindex` runs it.
        with engine.bulk_rebuild(workers=engine.default_workers()):
            for start in range(1, rows + 1, batch):
                g0 = time.perf_counter()
                docs = [make_document(i) for i in range(start, min(rows, start + batch - 1) + 1)]
                generated += time.perf_counter() - g0
                with transaction.atomic():
                    engine.upsert(docs)
                if like:
                    g0 = time.perf_counter()
                    with connection.cursor() as c:
                        c.executemany(
                            "INSERT INTO bench_like (doc_id, title, body) VALUES (%s, %s, %s)",
                            [(d.doc_id, d.fields["title"], d.fields["body"]) for d in docs],
                        )
                    generated += time.perf_counter() - g0  # not part of our indexing time
                if twin:
                    g0 = time.perf_counter()
                    twin.add(docs)
                    generated += time.perf_counter() - g0  # tantivy's work, not ours
        engine.vacuum()  # what autovacuum does after a load (PostgreSQL only)
        index_seconds = time.perf_counter() - started - generated
        gc.enable()
        if twin:
            twin.finish()
        yield {"bench": "search", "phase": "index", "backend": connection.vendor, "rows": rows,
               "database": connection.settings_dict["NAME"] if keep else None,
               "corpus": "template" if model else "vocabulary",
               "seconds": round(index_seconds, 1),
               "docs_per_second": round(rows / max(index_seconds, 1e-9)), **machine}  # fmt: skip
        # Queries
        query_list = model.queries(queries) if model else synthetic_queries(rng, queries)
        for text, filters in query_list[:20]:  # warm the caches
            engine.search(text, filters=filters, limit=10)
        samples, approximate, plain, filtered = [], 0, [], []
        for text, filters in query_list:
            t0 = time.perf_counter()
            result = engine.search(text, filters=filters, limit=10)
            elapsed = time.perf_counter() - t0
            samples.append(elapsed)
            (filtered if filters else plain).append(elapsed)
            approximate += result.approximate
        ours = _percentiles(samples)
        ours["without_filter_p95_ms"] = _percentiles(plain)["p95_ms"] if plain else None
        ours["with_filter_p95_ms"] = _percentiles(filtered)["p95_ms"] if filtered else None
        yield {"bench": "search", "phase": "query", "engine": f"atelier-{connection.vendor}",
               "rows": rows, "queries": len(query_list), "approximate_counts": approximate,
               **ours}  # fmt: skip
        if tantivy:
            theirs = twin.query(query_list)
            theirs["docs_per_second"] = round(rows / max(twin.seconds, 1e-9))
            yield {
                "bench": "search",
                "phase": "query",
                "engine": "tantivy",
                "rows": rows,
                "queries": len(query_list),
                **theirs,
                "atelier_p95_over_tantivy_p95": round(ours["p95_ms"] / theirs["p95_ms"], 2),
            }
        if like:
            like_stats = _like_bench(query_list[:50])
            yield {
                "bench": "search",
                "phase": "query",
                "engine": "like-scan",
                "rows": rows,
                "queries": 50,
                **like_stats,
                "like_p95_over_atelier_p95": round(like_stats["p95_ms"] / ours["p95_ms"], 1),
            }


class TantivyIndex:
    """The same documents in tantivy, fed our segmented tokens (synonym group tokens included)
    and queried with the same weighted terms, BM25 with the same field boosts."""

    BOOSTS = {"title": 3.0, "category": 1.5, "industry": 1.0, "body": 1.0}

    def __init__(self, tmp: str):
        import os

        import tantivy

        self.tantivy = tantivy
        builder = tantivy.SchemaBuilder()
        for f in self.BOOSTS:
            builder.add_text_field(f, stored=False, tokenizer_name="whitespace")
        for f in ("kind", "industry_code", "district", "voucher"):
            builder.add_text_field(f, stored=False, tokenizer_name="raw")
        builder.add_integer_field("doc_id", stored=True, indexed=True, fast=True)
        self.schema = builder.build()
        path = os.path.join(tmp, "tantivy")
        os.makedirs(path, exist_ok=True)
        self.index = tantivy.Index(self.schema, path=path)
        self.writer = self.index.writer(heap_size=256_000_000, num_threads=1)
        self.seconds = 0.0

    def add(self, docs) -> None:
        import time

        from atelier.search import analysis, engine

        syn = engine.synonyms()
        prepared = [
            (
                d,
                {
                    f: " ".join(syn.with_group_tokens(analysis.tokenize(d.fields.get(f, ""))))
                    for f in self.BOOSTS
                },
            )
            for d in docs
        ]  # fmt: skip  (our analysis, not timed: both engines index the same tokens)
        t0 = time.perf_counter()
        for d, fields in prepared:
            self.writer.add_document(self.tantivy.Document(
                doc_id=d.doc_id, **fields, kind=d.facets["kind"][0],
                industry_code=d.facets["industry"][0], district=d.facets["district"][0],
                voucher=d.facets["voucher"][0],
            ))  # fmt: skip
        self.seconds += time.perf_counter() - t0

    def finish(self) -> None:
        import time

        t0 = time.perf_counter()
        self.writer.commit()
        self.index.reload()
        self.seconds += time.perf_counter() - t0

    def query(self, query_list) -> dict:
        import time

        from atelier.search import engine

        tantivy = self.tantivy
        searcher = self.index.searcher()
        samples = []
        for text, filters in query_list:
            t0 = time.perf_counter()
            shoulds = []
            for term, weight in engine.weighted_query(text).items():
                for f, boost in self.BOOSTS.items():
                    clause = tantivy.Query.term_query(self.schema, f, term)
                    clause = tantivy.Query.boost_query(clause, boost * weight)
                    shoulds.append((tantivy.Occur.Should, clause))
            query = tantivy.Query.boolean_query(shoulds)
            if filters:
                ((name, value),) = filters.items()
                field = {"industry": "industry_code"}.get(name, name)
                value = "1" if value is True else value
                query = tantivy.Query.boolean_query([
                    (tantivy.Occur.Must, query),
                    (tantivy.Occur.Must, tantivy.Query.term_query(self.schema, field, value)),
                ])  # fmt: skip
            searcher.search(query, limit=10, count=True)
            samples.append(time.perf_counter() - t0)
        return _percentiles(samples)


def _like_bench(query_list) -> dict:
    import time

    from django.db import connection

    samples = []
    with connection.cursor() as cursor:
        for text, _ in query_list:
            words = text.split()
            t0 = time.perf_counter()
            where = " OR ".join(["title LIKE %s OR body LIKE %s"] * len(words))
            params = [p for w in words for p in (f"%{w}%", f"%{w}%")]
            # What a plain implementation does: count the matches, show the first page.
            cursor.execute(f"SELECT count(*) FROM bench_like WHERE {where}", params)  # noqa: S608
            cursor.fetchall()
            cursor.execute(
                f"SELECT doc_id FROM bench_like WHERE {where} ORDER BY doc_id LIMIT 10",  # noqa: S608
                params,
            )
            cursor.fetchall()
            samples.append(time.perf_counter() - t0)
    return _percentiles(samples)


# --------------------------------------------------------------------------------------------
# `atelier bench match`: latency of the matching path (demands.matching.match_text) at N rows.


def run_match_bench(*, rows: int, queries: int, seed: int, corpus: str, demands: str | None):
    """Yields JSON-able dicts: building N resources (index + sentence vectors), then the latency
    of `match_text()` for demand texts (the demands file's, e.g. the development queries) and
    for short keyword queries drawn by document frequency, half of them with an industry."""
    import gc
    import io
    import json
    import os
    import platform
    import random
    import tempfile
    import time

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from atelier.catalog.actions import search_document
    from atelier.catalog.models import Resource, ResourceStatus
    from atelier.search import engine, semantic

    rng = random.Random(seed)
    model = CorpusModel(Path(corpus), rng)
    machine = {"cpus": os.cpu_count(), "python": platform.python_version(),
               "machine": platform.machine()}  # fmt: skip
    tmp = tempfile.mkdtemp(prefix="atelier-bench-")
    old_name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        connection.settings_dict.setdefault("TEST", {})["NAME"] = os.path.join(tmp, "bench.sqlite3")
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        if connection.vendor == "sqlite":
            with connection.cursor() as c:
                c.execute("PRAGMA journal_mode=WAL")
                c.execute("PRAGMA synchronous=OFF")
                c.execute("PRAGMA cache_size=-262144")
        quiet = io.StringIO()
        call_command("import", "resources", corpus, stdout=quiet, stderr=quiet)
        real = list(
            Resource.objects.select_related("provider", "district").prefetch_related("clusters")
        )
        by_external = {r.external_id: r for r in real}
        through = Resource.clusters.through
        started = time.perf_counter()
        encoded = 0
        encode_seconds = 0.0
        gc.disable()
        with transaction.atomic(), engine.bulk_rebuild():
            documents = [search_document(r) for r in real]
            engine.upsert(documents)
            encoded += semantic.upsert(documents)
            batch = 2000
            now = timezone.now()
            for start in range(len(real), rows, batch):
                made = []
                for _ in range(min(batch, rows - start)):
                    title, body, row = rng.choice(model.templates)
                    template = by_external[row["external_id"]]
                    made.append(
                        (
                            Resource(
                                kind=template.kind,
                                title=model._mutate(title)[:200],
                                provider_id=template.provider_id,
                                district_id=template.district_id,
                                category=template.category,
                                description=model._mutate(body),
                                voucher_eligible=rng.random() < 0.6,
                                status=ResourceStatus.PUBLISHED,
                                published_at=now,
                            ),
                            template,
                        )
                    )
                Resource.objects.bulk_create([r for r, _ in made], batch_size=500)
                through.objects.bulk_create(
                    [
                        through(resource_id=r.pk, cluster_id=c.pk)
                        for r, t in made
                        for c in t.clusters.all()
                    ],
                    batch_size=1000,
                )
                documents = []
                for r, t in made:
                    clusters = list(t.clusters.all())
                    documents.append(
                        engine.Document(
                            doc_id=r.pk,
                            fields={
                                "title": r.title,
                                "category": r.category,
                                "industry": " ".join(c.name for c in clusters),
                                "body": f"{r.description} {t.provider.name}",
                            },
                            facets={
                                "kind": [r.kind],
                                "industry": [c.code for c in clusters],
                                "district": [r.district_id],
                                "category": [r.category] if r.category else [],
                                "voucher": ["1" if r.voucher_eligible else "0"],
                                "provider": [str(r.provider_id)],
                            },
                        )
                    )
                engine.upsert(documents)
                t0 = time.perf_counter()
                encoded += semantic.upsert(documents)
                encode_seconds += time.perf_counter() - t0
        engine.vacuum()
        gc.enable()
        build_seconds = time.perf_counter() - started
        n = Resource.objects.filter(status=ResourceStatus.PUBLISHED).count()
        yield {"bench": "match", "phase": "index", "backend": connection.vendor, "rows": n,
               "seconds": round(build_seconds, 1), "encoded": encoded,
               "encode_seconds": round(encode_seconds, 1),
               "encoded_per_second": round(encoded / max(encode_seconds, 1e-9)),
               **machine}  # fmt: skip

        from atelier.demands.matching import match_text

        semantic.reset()
        t0 = time.perf_counter()
        semantic.matrix()
        load_seconds = time.perf_counter() - t0
        texts = []
        if demands and Path(demands).is_file():
            for line in Path(demands).read_text(encoding="utf-8").splitlines():
                if line.strip():
                    texts.append(("demand", json.loads(line)["text"]))
        keywords = [("keywords", t) for t, _ in model.queries(max(queries - len(texts), 0))]
        runs = []
        for kind, text in texts + keywords:
            industry = rng.choice(CLUSTERS) if rng.random() < 0.5 else None
            runs.append((kind, text, industry))
        for _kind, text, industry in runs[:10]:  # warm the caches
            match_text(text, industry=industry, limit=10)
        samples: dict[str, list[float]] = {"all": [], "demand": [], "keywords": []}
        for kind, text, industry in runs:
            semantic.encode_query.cache_clear()  # the encoder's time counts in every query
            t0 = time.perf_counter()
            match_text(text, industry=industry, limit=10)
            elapsed = time.perf_counter() - t0
            samples["all"].append(elapsed)
            samples[kind].append(elapsed)
        line = {"bench": "match", "phase": "query", "backend": connection.vendor, "rows": n,
                "queries": len(runs), **_percentiles(samples["all"]),
                "matrix_load_seconds": round(load_seconds, 2)}  # fmt: skip
        for kind in ("demand", "keywords"):
            if samples[kind]:
                line[f"{kind}_p95_ms"] = _percentiles(samples[kind])["p95_ms"]
        yield line
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)
