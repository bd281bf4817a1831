"""Candidate resources for a demand written in free text: hybrid lexical + semantic retrieval.

`candidates()` is the retrieval half of matching; `atelier.demands.matching.match_text()` calls
it and re-ranks with small business bonuses. The steps (docs/architecture.md, "Matching"):

1. **Query understanding.** `intent_kinds()` reads general cue words ("设备/仪器/租用" →
   instrument, "专家/老师/师傅" → expert, "专利/成果/技术转让" → achievement, "检测/测一下" →
   service or instrument, unless another cue names the means). Domain concepts — words of
   the domain dictionary and of the synonym groups — weigh CONCEPT_WEIGHT × more than other
   query words in the lexical query, so colloquial filler that survived the stopwords
   ("仓库", "几个月") cannot outvote them.
2. **Two pools.** The BM25F engine (same index and synonyms as search mode) returns its best
   LEXICAL_POOL documents; the sentence encoder (search/semantic.py) returns the SEMANTIC_POOL
   documents nearest in meaning, which catches demands that share no word with the offering.
3. **Fusion.** lexical = BM25F / the query's best BM25F (0..1); semantic = cosine mapped
   linearly from [COS_FLOOR, COS_CEIL] to [0, 1] (an absolute scale, the same for every query);
   score = (1 − w) · lexical + w · semantic, where the semantic weight w grows from 0.3 for a
   few keywords to 0.5 for a sentence (`semantic_weight()`).
4. **Neighbourhood.** Each candidate gains SMOOTHING × its mean cosine to the best SMOOTH_TOP
   candidates (weighted by their scores): offerings that resemble the clear winners move up
   (the cluster hypothesis), a lone spurious word match does not.
5. **Structured fields.** × (1 + INTENT_BOOST) when the resource's kind is one the query asks
   for; × (1 + INDUSTRY_BOOST) when it serves the demand's industry. `industry` is a boost, not a
   filter: a resource listed under no or another cluster may still fit (general services,
   cross-industry experts). `kinds` and `district` are filters.

`relevance` is the final score divided by its largest possible value, so 0..1, and it uses
the same scale for every query: the lexical part is relative to the query's best lexical
match, the semantic part is absolute. Weights were chosen on one half of the development set
and checked on the other (docs/benchmarks.md, "Matching").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from atelier.search import analysis, engine, semantic

from .models import ResourceKind

LEXICAL_POOL = 100
SEMANTIC_POOL = 100
# Weight of the semantic part: keywords ("镍释放") are best served by exact words, long
# colloquial demands by meaning; the weight grows with the length of the text.
SEMANTIC_WEIGHT_SHORT, SEMANTIC_WEIGHT_LONG = 0.3, 0.5
SHORT_CHARS, LONG_CHARS = 6, 16
COS_FLOOR, COS_CEIL = 0.1, 0.6
CONCEPT_WEIGHT = 2.0
SMOOTHING, SMOOTH_TOP = 0.45, 5
INTENT_BOOST = 0.1
INDUSTRY_BOOST = 0.1
MAX_SCORE = (1 + SMOOTHING) * (1 + INTENT_BOOST) * (1 + INDUSTRY_BOOST)
MATCHABLE = (
    ResourceKind.SERVICE,
    ResourceKind.EXPERT,
    ResourceKind.INSTRUMENT,
    ResourceKind.ACHIEVEMENT,
)

# General cue words of what kind of resource a demand asks for (not words of any query set).
INTENT_CUES = {
    ResourceKind.INSTRUMENT: (
        "设备 仪器 机器 机台 试验机 测试仪 检测仪 分析仪 租用 租借 租赁 共享 按次 机时 上机 自己测 "
        "自己做试验 自己带样"
    ),
    ResourceKind.EXPERT: (
        "专家 老师 教授 师傅 老师傅 顾问 设计师 博士 工程师 指导 来厂 驻厂 上门指导 把脉 诊断 坐诊"
    ),
    ResourceKind.ACHIEVEMENT: (
        "专利 成果 技术转让 转让 许可 授权使用 成果转化 产业化 新材料 替代 换一种 工艺包 "
        "新技术 技术合作"
    ),
}
TEST_CUES = "检测 检验 测试 测定 化验 送检 测一下 测测 查一查 查一下 出报告 检测报告 认证"


@dataclass
class Candidate:
    resource_id: int
    relevance: float  # 0..1, comparable across queries, higher = better
    lexical: float  # BM25F relative to the query's best lexical match, 0..1
    semantic: float  # calibrated cosine, 0..1
    matched_terms: list[str]  # the query's words (or their synonyms) found in the resource
    intent_kinds: list[str]  # kinds the query seems to ask for (may be empty)


def intent_kinds(text: str) -> list[str]:
    """Resource kinds a demand asks for, from general cue words (empty: no clear cue)."""
    text = analysis.normalize(text)
    found = [kind for kind, cues in INTENT_CUES.items() if any(c in text for c in cues.split())]
    if not found and any(c in text for c in TEST_CUES.split()):
        # A test without a named means ("测试的设备" names one): a lab's service or an instrument.
        found = [ResourceKind.SERVICE, ResourceKind.INSTRUMENT]
    return [str(k) for k in found]


def _concepts() -> set[str]:
    syn = engine.synonyms()
    words = {analysis.normalize(w) for w in analysis.default_dictionary()}
    return words | set(syn.groups_of)


def query_weights(text: str) -> dict[str, float]:
    """The engine's weighted query with domain concepts weighted up."""
    weights = engine.weighted_query(text)
    concepts = _concepts()
    return {
        t: w * CONCEPT_WEIGHT if (t.startswith("~") or t in concepts) else w
        for t, w in weights.items()
    }


def semantic_weight(text: str) -> float:
    share = (len(text) - SHORT_CHARS) / (LONG_CHARS - SHORT_CHARS)
    share = min(max(share, 0.0), 1.0)
    return SEMANTIC_WEIGHT_SHORT + (SEMANTIC_WEIGHT_LONG - SEMANTIC_WEIGHT_SHORT) * share


def calibrate(cosine: float) -> float:
    return min(max((cosine - COS_FLOOR) / (COS_CEIL - COS_FLOOR), 0.0), 1.0)


def candidates(
    text: str,
    *,
    kinds: list[str] | None = None,
    industry: str | None = None,
    district: str | None = None,
    limit: int = 50,
) -> list[Candidate]:
    """Published resources that fit the demand `text`, best first (see the module docstring)."""
    text = " ".join((text or "").split())[:1000]
    if not text:
        return []
    kinds = [str(k) for k in (kinds or MATCHABLE)]
    intents = intent_kinds(text)
    vectors = semantic.matrix()

    # Lexical pool (the engine filters a single kind and the district inside its index walk).
    filters = {"district": district or ""}
    if len(kinds) == 1:
        filters["kind"] = kinds[0]
    found = engine.search(
        text, filters=filters, limit=LEXICAL_POOL * (1 if len(kinds) == 1 else 2),
        weights=query_weights(text),
    )  # fmt: skip
    user_terms = set(found.terms)
    lexical = {h.doc_id: h.score for h in found.hits}
    matched = {h.doc_id: [t for t in h.terms if t in user_terms] for h in found.hits}
    kind_of = _kinds_of(vectors, list(lexical))
    lexical = {d: s for d, s in lexical.items() if kind_of.get(d) in kinds}
    lexical = dict(sorted(lexical.items(), key=lambda kv: -kv[1])[:LEXICAL_POOL])

    # Semantic pool.
    query = semantic.encode_query(text)
    mask = vectors.mask(kinds=kinds, district=district)
    nearest = dict(vectors.nearest(query, SEMANTIC_POOL, mask))
    pool = list(dict.fromkeys([*lexical, *nearest]))
    if not pool:
        return []
    cosines = {**vectors.similarity(query, [d for d in pool if d not in nearest]), **nearest}

    best_lexical = max(lexical.values(), default=0.0)
    lex = np.array([lexical.get(d, 0.0) / best_lexical if best_lexical else 0.0 for d in pool])
    sem = np.array([calibrate(cosines.get(d, 0.0)) for d in pool])
    w = semantic_weight(text)
    score = (1 - w) * lex + w * sem

    # Neighbourhood of the best candidates.
    rows = [vectors.row.get(d) for d in pool]
    have = np.array([r is not None for r in rows])
    if have.any() and SMOOTHING:
        mat = np.zeros((len(pool), semantic.DIM), dtype=np.float32)
        mat[have] = vectors.vectors[[r for r in rows if r is not None]]
        top = np.argsort(-score, kind="stable")[:SMOOTH_TOP]
        weight = score[top]
        if weight.sum() > 0:
            score = score + SMOOTHING * (mat @ mat[top].T @ weight) / weight.sum()

    # Structured fields.
    if intents:
        score = score * np.where([kind_of.get(d) in intents for d in pool], 1 + INTENT_BOOST, 1)
    if industry and len(vectors):
        in_cluster = vectors.in_cluster(industry)
        score = score * np.where(
            [r is not None and bool(in_cluster[r]) for r in rows], 1 + INDUSTRY_BOOST, 1
        )

    order = np.argsort(-score, kind="stable")[:limit]
    return [
        Candidate(
            resource_id=pool[i],
            relevance=round(float(min(max(score[i] / MAX_SCORE, 0.0), 1.0)), 4),
            lexical=round(float(lex[i]), 4),
            semantic=round(float(sem[i]), 4),
            matched_terms=matched.get(pool[i], []),
            intent_kinds=intents,
        )
        for i in order
    ]


def _kinds_of(vectors: semantic.Matrix, doc_ids: list[int]) -> dict[int, str]:
    """Kinds of indexed documents: from the vector matrix, else from the index table."""
    out = {d: vectors.kinds[vectors.row[d]] for d in doc_ids if d in vectors.row}
    missing = [d for d in doc_ids if d not in out]
    if missing:
        from atelier.search.models import SearchDoc

        out.update(SearchDoc.objects.filter(doc_id__in=missing).values_list("doc_id", "kind"))
    return out
