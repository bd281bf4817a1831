"""`atelier bench <name>`: benchmarks that print one JSON object per result line.

- `relevance --corpus FILE --queries FILE [--mode search|match]`: imports the corpus into a
  throw-away database (a test database on the configured backend), runs every query and prints
  nDCG@10, recall@10 and MRR, for our ranker (the search page's ranking, or the matching path
  `demands.matching.match_text`) and for a plain BM25 baseline.
- `match --rows N`: latency of `match_text` at N resources (atelier/catalog/benchmarks.py).
- `search --rows N`: see atelier/catalog/benchmarks.py.
- `vouchers --rows N`: the voucher statistics at N ledger rows (atelier/vouchers/benchmarks.py).
- `bookings --concurrency C`: C parallel overlapping bookings of one instrument slot
  (atelier/orders/benchmarks.py).
- `cockpit --scale N`: the data cockpit's server time at the demo's data × N, cold and cached
  (atelier/kpi/benchmarks.py).
"""

import io
import json
import math
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

DEFAULT_CORPUS = settings.PROJECT_DIR.parent / "shared" / "eval" / "corpus.csv"
DEFAULT_DEMANDS = settings.PROJECT_DIR.parent / "shared" / "eval" / "queries_dev.jsonl"


def ndcg_at(ranked: list[str], judgments: dict[str, int], k: int = 10) -> float:
    """nDCG@k with gain 2^grade − 1 (the evaluation set's definition)."""
    dcg = sum((2 ** judgments.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(judgments.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: list[str], judgments: dict[str, int], k: int = 10) -> float:
    relevant = {d for d, g in judgments.items() if g > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def reciprocal_rank(ranked: list[str], judgments: dict[str, int]) -> float:
    for i, d in enumerate(ranked):
        if judgments.get(d, 0) > 0:
            return 1 / (i + 1)
    return 0.0


def evaluate(rank, queries: list[dict]) -> dict:
    totals = {"ndcg@10": 0.0, "recall@10": 0.0, "mrr": 0.0}
    per_query = []
    started = time.perf_counter()
    for q in queries:
        ranked = rank(q["text"])
        scores = {
            "ndcg@10": ndcg_at(ranked, q["judgments"]),
            "recall@10": recall_at(ranked, q["judgments"]),
            "mrr": reciprocal_rank(ranked, q["judgments"]),
        }
        for k, v in scores.items():
            totals[k] += v
        per_query.append({"id": q["id"], "ndcg@10": round(scores["ndcg@10"], 4)})
    n = max(len(queries), 1)
    return {
        **{k: round(v / n, 4) for k, v in totals.items()},
        "queries": len(queries),
        "ms_per_query": round((time.perf_counter() - started) * 1000 / n, 2),
        "per_query": per_query,
    }


class Command(BaseCommand):
    help = "性能与相关性基准：atelier bench relevance|search …，每个结果输出一行 JSON。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="bench", required=True)
        rel = sub.add_parser("relevance", help="相关性评测（nDCG@10、recall@10、MRR）")
        rel.add_argument("--corpus", required=True)
        rel.add_argument("--queries", required=True)
        rel.add_argument("--mode", choices=["search", "match"], default="search")
        rel.add_argument("--per-query", action="store_true", help="也输出每条查询的 nDCG@10")
        perf = sub.add_parser("search", help="检索性能（索引速率、查询延迟）")
        perf.add_argument("--rows", type=int, default=100_000)
        perf.add_argument("--queries", type=int, default=1000)
        perf.add_argument("--seed", type=int, default=20221)
        perf.add_argument("--no-tantivy", action="store_true")
        perf.add_argument("--no-like", action="store_true")
        perf.add_argument("--keep", action="store_true", help="保留 SQLite 基准库以便分析")
        perf.add_argument(
            "--corpus",
            default=str(DEFAULT_CORPUS) if DEFAULT_CORPUS.is_file() else None,
            help="真实资源 CSV：合成数据以其为模板（默认 ../shared/eval/corpus.csv，如存在）",
        )

        match = sub.add_parser("match", help="匹配性能（match_text 延迟）")
        match.add_argument("--rows", type=int, default=100_000)
        match.add_argument("--queries", type=int, default=300)
        match.add_argument("--seed", type=int, default=20221)
        match.add_argument(
            "--corpus",
            default=str(DEFAULT_CORPUS) if DEFAULT_CORPUS.is_file() else None,
            help="真实资源 CSV：合成资源以其为模板（默认 ../shared/eval/corpus.csv）",
        )
        match.add_argument(
            "--demands",
            default=str(DEFAULT_DEMANDS) if DEFAULT_DEMANDS.is_file() else None,
            help="需求文本（JSON lines，取 text 字段；默认 ../shared/eval/queries_dev.jsonl）",
        )

        vouchers = sub.add_parser("vouchers", help="创新券统计性能（各分组的查询耗时）")
        vouchers.add_argument("--rows", type=int, default=100_000)
        vouchers.add_argument("--seed", type=int, default=20225)
        vouchers.add_argument("--repeat", type=int, default=3)
        vouchers.add_argument("--keep", action="store_true", help="保留 SQLite 基准库以便分析")

        bookings = sub.add_parser("bookings", help="并发预约同一仪器时段（数据库防重叠）")
        bookings.add_argument("--concurrency", type=int, default=50)

        cockpit = sub.add_parser("cockpit", help="数据驾驶舱性能（演示数据 × N，冷/热缓存）")
        cockpit.add_argument("--scale", type=int, default=100)
        cockpit.add_argument("--seed", type=int, default=20267)
        cockpit.add_argument("--repeat", type=int, default=5)
        cockpit.add_argument("--keep", action="store_true", help="保留 SQLite 基准库以便分析")

    def emit(self, data: dict) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False))

    def handle(self, *args, bench, **options):
        if bench == "relevance":
            return self.relevance(**options)
        if bench == "match":
            from atelier.catalog.benchmarks import run_match_bench

            if not options["corpus"]:
                raise CommandError("需要 --corpus（资源 CSV）。")
            for line in run_match_bench(
                rows=options["rows"],
                queries=options["queries"],
                seed=options["seed"],
                corpus=options["corpus"],
                demands=options["demands"],
            ):
                self.emit(line)
            return
        if bench == "vouchers":
            from atelier.vouchers.benchmarks import run_vouchers_bench

            for line in run_vouchers_bench(
                rows=options["rows"],
                seed=options["seed"],
                repeat=options["repeat"],
                keep=options["keep"],
            ):
                self.emit(line)
            return
        if bench == "cockpit":
            from atelier.kpi.benchmarks import run_cockpit_bench

            for line in run_cockpit_bench(
                scale=options["scale"],
                seed=options["seed"],
                repeat=options["repeat"],
                keep=options["keep"],
            ):
                self.emit(line)
            return
        if bench == "bookings":
            from atelier.orders.benchmarks import run_bookings_bench

            for line in run_bookings_bench(concurrency=options["concurrency"]):
                self.emit(line)
            return
        if bench == "search":
            from atelier.catalog.benchmarks import run_search_bench

            for line in run_search_bench(
                rows=options["rows"],
                queries=options["queries"],
                seed=options["seed"],
                tantivy=not options["no_tantivy"],
                like=not options["no_like"],
                keep=options["keep"],
                corpus=options["corpus"],
            ):
                self.emit(line)

    def relevance(self, *, corpus, queries, mode, per_query, **options):
        corpus_path, queries_path = Path(corpus), Path(queries)
        for p in (corpus_path, queries_path):
            if not p.is_file():
                raise CommandError(f"文件不存在：{p}")
        query_list = [
            json.loads(line)
            for line in queries_path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        from atelier.catalog.benchmarks import baseline_ranker

        # The baseline segments with a fresh jieba dictionary, so run it before our analyser
        # teaches the shared one our domain words.
        baseline = evaluate(baseline_ranker(corpus_path), query_list)
        old_name = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        try:
            started = time.perf_counter()
            quiet = io.StringIO()
            call_command("import", "resources", str(corpus_path), stdout=quiet, stderr=quiet)
            import_seconds = time.perf_counter() - started
            ours = evaluate(self._ranker(mode), query_list)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)
        for name, result in (("atelier", ours), ("baseline-bm25", baseline)):
            if not per_query:
                result = {k: v for k, v in result.items() if k != "per_query"}
            line = {"bench": "relevance", "mode": mode, "ranker": name, **result}
            if name == "atelier":
                line["backend"] = connection.vendor
                line["import_seconds"] = round(import_seconds, 2)
            self.emit(line)

    def _ranker(self, mode: str = "search"):
        from atelier.catalog.models import Resource
        from atelier.catalog.searching import search_resources

        external = dict(Resource.objects.values_list("pk", "external_id"))
        if mode == "match":
            # The product path: demands.matching re-ranks catalog.matching's candidates.
            from atelier.demands.matching import match_text

            def rank(text: str) -> list[str]:
                return [external[m.resource_id] for m in match_text(text, limit=10)]

            return rank

        def rank(text: str) -> list[str]:
            page = search_resources(text, page_size=10)
            return [external[h.resource.pk] for h in page.hits]

        return rank
