"""The search engine: a BM25F index in ordinary database tables, identical on SQLite and
PostgreSQL, with impact-ordered postings for rank-limited (top-k) queries.

Scoring (BM25F, Robertson & Zaragoza 2009): for a term t and document d,

    tf~(t, d) = Σ_f  W_f · tf_f(t, d) / (1 − B_f + B_f · len_f(d) / avglen_f)
    impact(t, d) = tf~ · (k1 + 1) / (tf~ + k1)
    score(d) = Σ_t  w_t · idf(t) · impact(t, d),   idf(t) = ln(1 + (N − df + 0.5) / (df + 0.5))

with field weights W (title above category/keywords above industry and description) and query
term weights w_t (1 for the user's words, SYNONYM_WEIGHT for their synonym groups: every word of
a synonym group is also indexed as the group's token, so a group costs one posting list).

The impact does not depend on idf, so it is computed at index time and stored in the posting's
key, `(term_id, −impact, doc_id)`: a term's best documents are the first rows of its range. Each
posting also carries the document's facet bits (kind, district, voucher, industry clusters), so
filters are applied by the database while it walks the range. A query reads each term's postings
best-first in growing batches, keeps lower and upper score bounds per candidate (the "no random
access" algorithm of Fagin, Lotem & Naor 2003), stops once no unseen or partly seen document can
enter the top k, and rescores the few remaining candidates exactly from the forward index. Small
result sets (Σ df ≤ EXACT_LIMIT) are scored exhaustively, with exact counts and facets; larger
ones report facet counts over the documents read and an estimated total (`approximate`).
"""

from __future__ import annotations

import heapq
import math
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max

from . import analysis
from .models import FacetCode, SearchDoc, SearchStats, SearchTerm, SynonymGroup

FIELDS = ("title", "category", "industry", "body")
FIELD_WEIGHTS = {"title": 3.0, "category": 1.5, "industry": 1.0, "body": 1.0}
FIELD_B = {"title": 0.5, "category": 0.3, "industry": 0.0, "body": 0.75}
K1 = 1.2
SYNONYM_WEIGHT = 0.8
SCALE = 1_000_000  # impacts are stored as integers (impact · SCALE)
EXACT_LIMIT = 3_000  # Σ df up to which a query is scored exhaustively
FACETS = ("kind", "industry", "district", "category", "voucher", "provider")
MAX_TERM_LENGTH = 64
FIRST_BATCH = 128
# Work budget of one ranked query: once this many postings have been read, the best candidates
# seen so far are ranked exactly and the result is flagged approximate (a tiered-index trade-off:
# only very common words over very large indexes reach it).
MAX_POSTINGS_READ = 10_000
RESOLVE_LIMIT = 320  # candidates scored exactly from the forward index, best upper bound first
FACET_SAMPLE = 1_000  # approximate facets are counted over the best documents read

# Facet bits carried by every posting: clusters as a 16-bit mask, district (5 bits), kind
# (4 bits), voucher (1 bit). Codes are assigned per value on first sight (FacetCode table).
CLUSTER_BITS, DISTRICT_SHIFT, KIND_SHIFT, VOUCHER_SHIFT = 16, 16, 21, 25
CODE_LIMITS = {"industry": CLUSTER_BITS, "district": 31, "kind": 15}


@dataclass
class Document:
    doc_id: int
    fields: dict[str, str]
    facets: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Hit:
    doc_id: int
    score: float
    terms: list[str]


@dataclass
class Result:
    count: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    terms: list[str]
    approximate: bool = False


# --------------------------------------------------------------------------------------------
# Synonyms (operator-editable, cached per process, re-read when the groups change)

_synonyms_lock = threading.Lock()
_synonyms_cache: dict = {"marker": None, "checked": 0.0, "synonyms": None}
SYNONYM_RECHECK_SECONDS = 5.0


def reset_synonyms() -> None:
    """Forget the cached groups (tests, and right after an operator edits them)."""
    with _synonyms_lock:
        _synonyms_cache.update(marker=None, checked=0.0, synonyms=None)


def synonyms() -> analysis.Synonyms:
    """The active synonym groups, re-read when they change (checked every few seconds)."""
    now = time.monotonic()
    with _synonyms_lock:
        cached = _synonyms_cache["synonyms"]
        if cached is not None and now - _synonyms_cache["checked"] < SYNONYM_RECHECK_SECONDS:
            return cached
        active = SynonymGroup.objects.filter(active=True)
        marker = (active.count(), active.aggregate(m=Max("updated_at"))["m"])
        if cached is None or marker != _synonyms_cache["marker"]:
            groups = [(pk, words.split()) for pk, words in active.values_list("pk", "words")]
            analysis.add_words(w for _, g in groups for w in g)
            cached = analysis.Synonyms(groups)
        _synonyms_cache.update(marker=marker, checked=now, synonyms=cached)
        return cached


def weighted_query(text: str) -> dict[str, float]:
    """The query's terms with their weights: 1 for the user's words, less for synonym groups."""
    weights: dict[str, float] = {}
    syn = synonyms()
    for term in analysis.query_terms(text):
        weights[term[:MAX_TERM_LENGTH]] = 1.0
    for term in list(weights):
        for group in syn.group_tokens(term):
            weights.setdefault(group, SYNONYM_WEIGHT)
    return weights


# --------------------------------------------------------------------------------------------
# Facet codes

_codes_lock = threading.Lock()
_codes: dict[tuple[str, str], int] = {}


def facet_code(facet: str, value: str, *, create: bool = False) -> int:
    """The small integer code of a facet value (0 when unknown or over the facet's limit)."""
    key = (facet, value)
    with _codes_lock:
        if key in _codes:
            return _codes[key]
    code = FacetCode.objects.filter(facet=facet, value=value).values_list("code", flat=True)
    code = code.first()
    if code is None and create:
        for _ in range(5):
            taken = FacetCode.objects.filter(facet=facet).aggregate(m=Max("code"))["m"] or 0
            if taken >= CODE_LIMITS[facet]:
                code = 0  # over the limit: filtered after fetching the documents instead
                break
            try:
                with transaction.atomic():
                    FacetCode.objects.create(facet=facet, value=value, code=taken + 1)
                code = taken + 1
                break
            except IntegrityError:
                continue
    if code:
        with _codes_lock:
            _codes[key] = code
    return code or 0


def reset_facet_codes() -> None:
    with _codes_lock:
        _codes.clear()


def _facet_bits(facets: dict[str, list[str]]) -> int:
    bits = 0
    for value in facets.get("industry", []):
        code = facet_code("industry", value, create=True)
        if code:
            bits |= 1 << (code - 1)
    district = (facets.get("district") or [""])[0]
    if district:
        bits |= facet_code("district", district, create=True) << DISTRICT_SHIFT
    kind = (facets.get("kind") or [""])[0]
    if kind:
        bits |= facet_code("kind", kind, create=True) << KIND_SHIFT
    if (facets.get("voucher") or ["0"])[0] in ("1", "true", "True"):
        bits |= 1 << VOUCHER_SHIFT
    return bits


def _decode_bits(bits: int) -> dict[str, object]:
    return {
        "industry_mask": bits & ((1 << CLUSTER_BITS) - 1),
        "district": (bits >> DISTRICT_SHIFT) & 31,
        "kind": (bits >> KIND_SHIFT) & 15,
        "voucher": (bits >> VOUCHER_SHIFT) & 1,
    }


# --------------------------------------------------------------------------------------------
# Writing


def _stats() -> SearchStats:
    stats, _ = SearchStats.objects.get_or_create(pk=1)
    return stats


def _term_ids(texts: Iterable[str]) -> dict[str, int]:
    texts = set(texts)
    ids: dict[str, int] = {}
    todo = list(texts)
    for i in range(0, len(todo), 500):
        ids.update(SearchTerm.objects.filter(text__in=todo[i : i + 500]).values_list("text", "id"))
    missing = [t for t in texts if t not in ids]
    if missing:
        SearchTerm.objects.bulk_create(
            [SearchTerm(text=t, df=0) for t in missing], ignore_conflicts=True, batch_size=500
        )
        for i in range(0, len(missing), 500):
            chunk = missing[i : i + 500]
            ids.update(SearchTerm.objects.filter(text__in=chunk).values_list("text", "id"))
    return ids


def _parse_forward(forward: str) -> dict[int, int]:
    out = {}
    for pair in forward.split():
        term_id, impact = pair.split(":")
        out[int(term_id)] = int(impact)
    return out


def _remove(doc_ids: list[int], df_delta: Counter, length_delta: Counter) -> None:
    """Drop the postings and rows of these documents, recording df and length changes."""
    old = list(SearchDoc.objects.filter(doc_id__in=doc_ids))
    if not old:
        return
    keys = []
    for doc in old:
        for term_id, impact in _parse_forward(doc.forward).items():
            keys.append((term_id, -impact, doc.doc_id))
            df_delta[term_id] -= 1
        length_delta["n_docs"] -= 1
        for f in FIELDS:
            length_delta[f"len_{f}"] -= getattr(doc, f"len_{f}")
    with connection.cursor() as cursor:
        cursor.executemany(
            "DELETE FROM search_posting WHERE term_id = %s AND neg_impact = %s AND doc_id = %s",
            keys,
        )
    SearchDoc.objects.filter(doc_id__in=[d.doc_id for d in old]).delete()


def _apply_deltas(df_delta: Counter, length_delta: Counter) -> None:
    changes = [(delta, term_id) for term_id, delta in df_delta.items() if delta]
    if changes:
        with connection.cursor() as cursor:
            cursor.executemany("UPDATE search_term SET df = df + %s WHERE id = %s", changes)
    if any(length_delta.values()):
        _stats()
        SearchStats.objects.filter(pk=1).update(
            **{k: F(k) + v for k, v in length_delta.items() if v}
        )


@transaction.atomic
def upsert(documents: list[Document]) -> None:
    """Add or replace documents in the index (call inside the writing action's transaction)."""
    if not documents:
        return
    df_delta: Counter = Counter()
    length_delta: Counter = Counter()
    _remove([d.doc_id for d in documents], df_delta, length_delta)
    syn = synonyms()
    analysed = []
    for doc in documents:
        tokens = {}
        for f in FIELDS:
            words = [t[:MAX_TERM_LENGTH] for t in analysis.tokenize(doc.fields.get(f, ""))]
            tokens[f] = syn.with_group_tokens(words)
        analysed.append((doc, tokens))
        length_delta["n_docs"] += 1
        for f in FIELDS:
            length_delta[f"len_{f}"] += len(tokens[f])
    # Averages including this batch, so a first batch is normalised against itself.
    stats = _stats()
    n_docs = stats.n_docs + length_delta["n_docs"]
    averages = {
        f: max((getattr(stats, f"len_{f}") + length_delta[f"len_{f}"]) / max(n_docs, 1), 1.0)
        for f in FIELDS
    }
    ids = _term_ids(t for _, tokens in analysed for ts in tokens.values() for t in ts)
    postings = []
    rows = []
    k1, k1_plus_1, scale = K1, K1 + 1, SCALE
    for doc, tokens in analysed:
        weighted: dict[str, float] = defaultdict(float)
        for f in FIELDS:
            ts = tokens[f]
            if ts:
                b = FIELD_B[f]
                w = FIELD_WEIGHTS[f] / (1 - b + b * len(ts) / averages[f])
                for term in ts:
                    weighted[term] += w
        bits = _facet_bits(doc.facets)
        doc_id = doc.doc_id
        forward = []
        for term, tf in weighted.items():
            impact = round(tf * k1_plus_1 / (tf + k1) * scale) or 1
            term_id = ids[term]
            postings.append((term_id, -impact, doc_id, bits))
            forward.append(f"{term_id}:{impact}")
        df_delta.update(ids[t] for t in weighted)
        facets = doc.facets
        rows.append(
            (
                doc.doc_id,
                (facets.get("kind") or [""])[0],
                (facets.get("district") or [""])[0],
                ((facets.get("category") or [""])[0])[:40],
                (facets.get("voucher") or ["0"])[0] in ("1", "true", "True"),
                int((facets.get("provider") or ["0"])[0]),
                " " + " ".join(facets.get("industry", [])) + " ",
                " ".join(forward),
                *(len(tokens[f]) for f in FIELDS),
            )
        )
    postings.sort()  # B-tree inserts in key order touch each page once
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY streams the rows in one round trip (executemany costs one per row).
            raw = cursor.cursor
            with raw.copy(COPY_DOCS) as copy:
                for row in rows:
                    copy.write_row(row)
            with raw.copy(COPY_STAGED if _bulk.active else COPY_POSTING) as copy:
                for row in postings:
                    copy.write_row(row)
        else:
            cursor.executemany(INSERT_DOCS, rows)
            cursor.executemany(INSERT_STAGED if _bulk.active else INSERT_POSTING, postings)
    _apply_deltas(df_delta, length_delta)


DOC_FIELDS = (
    "doc_id, kind, district, category, voucher, provider, clusters, forward, "
    "len_title, len_category, len_industry, len_body"
)
INSERT_DOCS = (
    "INSERT INTO search_doc (doc_id, kind, district, category, voucher, provider, clusters, "
    "forward, len_title, len_category, len_industry, len_body) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
COPY_DOCS = f"COPY search_doc ({DOC_FIELDS}) FROM STDIN"
COPY_POSTING = "COPY search_posting (term_id, neg_impact, doc_id, f) FROM STDIN"
COPY_STAGED = "COPY search_posting_stage (term_id, neg_impact, doc_id, f) FROM STDIN"
INSERT_POSTING = (
    "INSERT INTO search_posting (term_id, neg_impact, doc_id, f) VALUES (%s, %s, %s, %s)"
)
INSERT_STAGED = (
    "INSERT INTO search_posting_stage (term_id, neg_impact, doc_id, f) VALUES (%s, %s, %s, %s)"
)


class _BulkState(threading.local):
    active = False


_bulk = _BulkState()


@contextmanager
def bulk_rebuild():
    """Rebuild the whole index fast: clear it, let `upsert()` append postings to an unindexed
    staging table, and at the end move them into the impact-ordered table in key order (one
    sequential B-tree build instead of millions of random inserts). Use it for `reindex` and
    benchmarks, inside one transaction; nothing can search the index meanwhile."""
    clear()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS search_posting_stage")
        cursor.execute(
            "CREATE TABLE search_posting_stage "
            "(term_id integer, neg_impact integer, doc_id bigint, f integer)"
        )
    _bulk.active = True
    try:
        yield
    finally:
        _bulk.active = False
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO search_posting (term_id, neg_impact, doc_id, f) "
            "SELECT term_id, neg_impact, doc_id, f FROM search_posting_stage "
            "ORDER BY term_id, neg_impact, doc_id"
        )
        cursor.execute("DROP TABLE search_posting_stage")
    from . import semantic

    semantic.prune()  # vectors of listings that were not indexed again


def vacuum() -> None:
    """After a bulk rebuild on PostgreSQL (outside any transaction): refresh the planner's
    statistics and the visibility map, so postings are read by index-only scans at once
    instead of after the next autovacuum. Nothing to do on SQLite."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE search_posting")
            cursor.execute("VACUUM ANALYZE search_doc")
            cursor.execute("VACUUM ANALYZE search_term")


@transaction.atomic
def delete(doc_ids: list[int]) -> None:
    df_delta: Counter = Counter()
    length_delta: Counter = Counter()
    _remove(list(doc_ids), df_delta, length_delta)
    _apply_deltas(df_delta, length_delta)


@transaction.atomic
def clear() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_posting")
    SearchDoc.objects.all().delete()
    SearchTerm.objects.all().delete()
    SearchStats.objects.all().delete()


# --------------------------------------------------------------------------------------------
# Reading


def idf(df: int, n_docs: int) -> float:
    return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))


@dataclass
class _QueryTerm:
    term_id: int
    text: str
    weight: float  # w_t · idf(t) / SCALE, so score = Σ weight · stored impact
    df: int


class _Filter:
    """The filters: the part the database applies on postings (facet bits), and the part
    checked on fetched document rows (category, provider, values without a code)."""

    def __init__(self, filters: dict):
        self.filters = filters
        self.sql: list[str] = []
        self.params: list[int] = []
        self.post: dict = {}
        for name, value in filters.items():
            if name == "voucher":
                self.sql.append(f"((f >> {VOUCHER_SHIFT}) & 1) = %s")
                self.params.append(1 if value else 0)
            elif name in ("kind", "district", "industry"):
                code = facet_code(name, str(value))
                if not code:
                    self.post[name] = value
                elif name == "industry":
                    self.sql.append("(f & %s) <> 0")
                    self.params.append(1 << (code - 1))
                else:
                    shift = KIND_SHIFT if name == "kind" else DISTRICT_SHIFT
                    mask = 15 if name == "kind" else 31
                    self.sql.append(f"((f >> {shift}) & {mask}) = %s")
                    self.params.append(code)
            else:
                self.post[name] = value

    def where(self) -> str:
        return "".join(f" AND {s}" for s in self.sql)


def _doc_matches(doc: tuple, filters: dict, skip: str | None = None) -> bool:
    # doc = (doc_id, kind, district, category, voucher, provider, clusters)
    for name, value in filters.items():
        if name == skip:
            continue
        if name == "kind" and doc[1] != value:
            return False
        if name == "district" and doc[2] != value:
            return False
        if name == "category" and doc[3] != value:
            return False
        if name == "voucher" and bool(doc[4]) != value:
            return False
        if name == "provider" and doc[5] != value:
            return False
        if name == "industry" and f" {value} " not in doc[6]:
            return False
    return True


def _facets_from_docs(docs: Iterable[tuple], filters: dict) -> dict[str, dict[str, int]]:
    """Counts per facet value, each facet counted with the other facets' filters applied
    (so choosing a district still shows how many results the other districts have): a document
    failing no filter counts in every facet, one failing exactly one filter counts only in that
    filter's facet, one failing more counts nowhere."""
    counts: dict[str, Counter] = {name: Counter() for name in FACETS}
    checks = [(name, _single_check(name, value)) for name, value in filters.items()]
    for doc in docs:
        failed = [name for name, ok in checks if not ok(doc)]
        if len(failed) > 1:
            continue
        targets = FACETS if not failed else failed
        for name in targets:
            if name == "kind":
                counts["kind"][doc[1]] += 1
            elif name == "district":
                counts["district"][doc[2]] += 1
            elif name == "category":
                if doc[3]:
                    counts["category"][doc[3]] += 1
            elif name == "voucher":
                counts["voucher"]["1" if doc[4] else "0"] += 1
            elif name == "provider":
                counts["provider"][str(doc[5])] += 1
            elif name == "industry":
                counts["industry"].update(doc[6].split())
    return {name: dict(c.most_common()) for name, c in counts.items()}


def _single_check(name: str, value):
    index = {"kind": 1, "district": 2, "category": 3, "voucher": 4, "provider": 5}.get(name)
    if name == "industry":
        needle = f" {value} "
        return lambda doc: needle in doc[6]
    if name == "voucher":
        return lambda doc: bool(doc[4]) == value
    if index is None:
        return lambda doc: True
    return lambda doc: doc[index] == value


DOC_COLUMNS = ("doc_id", "kind", "district", "category", "voucher", "provider", "clusters")


def _fetch_docs(doc_ids: list[int], with_forward: bool = False) -> dict[int, tuple]:
    out: dict[int, tuple] = {}
    columns = ", ".join(DOC_COLUMNS + (("forward",) if with_forward else ()))
    with connection.cursor() as cursor:
        for i in range(0, len(doc_ids), 900):
            chunk = doc_ids[i : i + 900]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT {columns} FROM search_doc WHERE doc_id IN ({marks})",  # noqa: S608
                chunk,
            )
            for row in cursor.fetchall():
                out[row[0]] = row
    return out


def search(
    text: str,
    *,
    filters: dict | None = None,
    offset: int = 0,
    limit: int = 10,
    weights: dict[str, float] | None = None,
) -> Result:
    """Rank documents for `text`. `filters` may hold kind, industry (cluster code), district
    (code), category, voucher (bool) and provider (organisation id). `weights` replaces the
    query's term weights (`weighted_query(text)`, adjusted by the caller, e.g. matching)."""
    filters = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    if weights is None:
        weights = weighted_query(text)
    user_terms = [t for t in weights if not t.startswith("~")]
    if not weights:
        return Result(0, [], {}, [])
    stats = _stats()
    n_docs = max(stats.n_docs, 1)
    rows = SearchTerm.objects.filter(text__in=list(weights), df__gt=0).values_list(
        "id", "text", "df"
    )
    terms = [_QueryTerm(i, t, weights[t] * idf(df, n_docs) / SCALE, df) for i, t, df in rows]
    if not terms:
        return Result(0, [], {}, user_terms)
    if sum(t.df for t in terms) <= EXACT_LIMIT:
        result = _search_exhaustive(terms, filters, offset, limit)
    else:
        result = _search_top_k(terms, filters, offset, limit, n_docs)
    result.terms = user_terms
    syn = synonyms()
    for hit in result.hits:
        hit.terms = syn.display(hit.terms)
    return result


def _search_exhaustive(terms, filters, offset, limit) -> Result:
    by_id = {t.term_id: t for t in terms}
    scores: dict[int, float] = defaultdict(float)
    matched: dict[int, list[str]] = defaultdict(list)
    docs: dict[int, tuple] = {}
    marks = ", ".join(["%s"] * len(terms))
    columns = ", ".join(f"d.{c}" for c in DOC_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.term_id, p.neg_impact, {columns} FROM search_posting p "  # noqa: S608
            f"JOIN search_doc d ON d.doc_id = p.doc_id WHERE p.term_id IN ({marks})",
            [t.term_id for t in terms],
        )
        for row in cursor.fetchall():
            term = by_id[row[0]]
            doc = row[2:]
            scores[doc[0]] -= term.weight * row[1]
            matched[doc[0]].append(term.text)
            docs[doc[0]] = doc
    passing = [d for d in docs.values() if _doc_matches(d, filters)]
    passing.sort(key=lambda d: (-scores[d[0]], d[0]))
    hits = [Hit(d[0], scores[d[0]], matched[d[0]]) for d in passing[offset : offset + limit]]
    return Result(len(passing), hits, _facets_from_docs(docs.values(), filters), [])


def _search_top_k(terms, filters, offset, limit, n_docs) -> Result:
    need = offset + limit
    flt = _Filter(filters)
    # where() joins constant fragments; every value is a parameter.
    sql = "".join([
        "SELECT neg_impact, doc_id, f FROM search_posting WHERE term_id = %s ",
        "AND (neg_impact > %s OR (neg_impact = %s AND doc_id > %s))",
        flt.where(),
        " ORDER BY neg_impact, doc_id LIMIT %s",
    ])  # fmt: skip
    cursors = {t.term_id: (-(2**31), -1) for t in terms}
    bound = {t.term_id: 0.0 for t in terms}
    live = {t.term_id for t in terms}  # lists not yet exhausted
    lower: dict[int, float] = defaultdict(float)  # score from the postings read so far
    seen_in: dict[int, set[int]] = defaultdict(set)
    bits: dict[int, int] = {}
    post_checked: dict[int, bool] = {}
    batch = max(FIRST_BATCH, need * 4)
    read = 0
    rounds = 0
    while True:
        rounds += 1
        with connection.cursor() as cursor:
            heaviest = max(t.weight for t in terms if t.term_id in live)
            for t in terms:
                if t.term_id not in live:
                    continue
                # Rare (high-idf) words decide the ranking: read their lists faster than the
                # lists of common words, whose documents mostly just add small amounts.
                size = max(FIRST_BATCH // 2, int(batch * t.weight / heaviest))
                size = min(size, max(FIRST_BATCH // 2, (MAX_POSTINGS_READ - read) // len(live)))
                last_impact, last_doc = cursors[t.term_id]
                cursor.execute(sql, [t.term_id, last_impact, last_impact, last_doc,
                                     *flt.params, size])  # fmt: skip
                got = cursor.fetchall()
                read += len(got)
                if len(got) < size:
                    live.discard(t.term_id)
                if got:
                    cursors[t.term_id] = (got[-1][0], got[-1][1])
                    bound[t.term_id] = t.weight * -got[-1][0]
                    for neg_impact, doc_id, f in got:
                        lower[doc_id] -= t.weight * neg_impact
                        seen_in[doc_id].add(t.term_id)
                        bits[doc_id] = f
        if flt.post:
            todo = [d for d in lower if d not in post_checked]
            if todo:
                for doc_id, row in _fetch_docs(todo).items():
                    post_checked[doc_id] = _doc_matches(row, flt.post)
                for doc_id in todo:
                    if not post_checked.get(doc_id):
                        post_checked[doc_id] = False
                        lower.pop(doc_id, None)
        if not live:
            break  # every posting has been read: scores, ranking and counts are exact
        if read >= MAX_POSTINGS_READ and len(lower) >= need:
            break
        if len(lower) >= need:
            kth = heapq.nlargest(need, lower.values())[-1]
            if kth >= sum(bound[t] for t in live):
                break  # no unseen document can enter the top k any more
        batch *= 4
    exact = not live
    texts = {t.term_id: t.text for t in terms}
    if exact:
        ranked = sorted(lower.items(), key=lambda kv: (-kv[1], kv[0]))[offset : offset + limit]
        hits = [Hit(d, s, [texts[t] for t in seen_in[d]]) for d, s in ranked]
    else:
        hits = _resolve(terms, live, bound, lower, seen_in, need, offset, limit)
    sample = (
        lower
        if exact or len(lower) <= FACET_SAMPLE
        else dict(heapq.nlargest(FACET_SAMPLE, lower.items(), key=lambda kv: kv[1]))
    )
    facets = _facets_from_bits({d: bits[d] for d in sample}, filters)
    if exact:
        count = len(lower)
    else:
        # The union of the terms' documents if they were independent, times the share of all
        # documents that pass the filters.
        union = n_docs * (1 - math.prod(1 - min(t.df, n_docs) / n_docs for t in terms))
        count = max(len(lower), round(union * _selectivity(filters, n_docs)))
    return Result(count, hits, facets, [], approximate=not exact)


def _selectivity(filters: dict, n_docs: int) -> float:
    """The share of indexed documents passing `filters`, assuming independent facets
    (per-value document counts are cached for a minute)."""
    if not filters:
        return 1.0
    from django.core.cache import cache

    share = 1.0
    for name, value in filters.items():
        key = f"search:facet-share:{name}:{value}:{n_docs}"
        count = cache.get(key)
        if count is None:
            qs = SearchDoc.objects.all()
            if name == "industry":
                qs = qs.filter(clusters__contains=f" {value} ")
            elif name in ("kind", "district", "category", "voucher", "provider"):
                qs = qs.filter(**{name: value})
            count = qs.count()
            cache.set(key, count, 60)
        share *= count / n_docs
    return share


def _resolve(terms, live, bound, lower, seen_in, need, offset, limit) -> list[Hit]:
    """The exact top `need` among partly scored candidates: visit them by upper bound, score
    each exactly from its forward index, and stop when the next upper bound cannot beat the
    k-th exact score."""
    live_bound = sum(bound[t] for t in live)
    floor = heapq.nlargest(need, lower.values())[-1]
    upper = []
    for d, s in lower.items():
        if s + live_bound < floor:
            continue  # cannot reach the k-th lower bound even with every missing term
        missing = sum(bound[t] for t in live if t not in seen_in[d])
        if s + missing >= floor:
            upper.append((s + missing, d))
    upper.sort(reverse=True)
    best: list[tuple[float, int]] = []  # min-heap of (exact score, -doc_id)
    matched: dict[int, list[str]] = {}
    by_id = {str(t.term_id): t for t in terms}
    wanted = re.compile(r"(?:^| )(" + "|".join(by_id) + r"):(\d+)")
    i = 0
    while i < len(upper) and i < RESOLVE_LIMIT:
        if len(best) >= need and best[0][0] >= upper[i][0]:
            break
        chunk = [d for _, d in upper[i : i + 64]]
        i += 64
        for doc_id, row in _fetch_docs(chunk, with_forward=True).items():
            found = wanted.findall(row[7])
            score = sum(by_id[tid].weight * int(impact) for tid, impact in found)
            matched[doc_id] = [by_id[tid].text for tid, _ in found]
            item = (score, -doc_id)
            if len(best) < need:
                heapq.heappush(best, item)
            elif item > best[0]:
                heapq.heapreplace(best, item)
    ranked = sorted(best, reverse=True)[offset : offset + limit]
    return [Hit(-neg_doc, score, matched[-neg_doc]) for score, neg_doc in ranked]


def _facets_from_bits(doc_bits: dict[int, int], filters: dict) -> dict[str, dict[str, int]]:
    """Facet counts for kind, district, industry and voucher from the postings' facet bits."""
    names = {}
    for facet, value, code in FacetCode.objects.values_list("facet", "value", "code"):
        names[(facet, code)] = value
    counts = {name: Counter() for name in ("kind", "district", "industry", "voucher")}
    for b, n in Counter(doc_bits.values()).items():
        d = _decode_bits(b)
        if d["kind"]:
            counts["kind"][names.get(("kind", d["kind"]), "")] += n
        if d["district"]:
            counts["district"][names.get(("district", d["district"]), "")] += n
        counts["voucher"]["1" if d["voucher"] else "0"] += n
        mask = d["industry_mask"]
        while mask:
            low = mask & -mask
            counts["industry"][names.get(("industry", low.bit_length()), "")] += n
            mask ^= low
    return {name: dict(c.most_common()) for name, c in counts.items()}


def suggestions(text: str, limit: int = 5) -> list[str]:
    """Known index terms that share a two-character piece with the query's words, most
    frequent first — offered when a query finds nothing."""
    pieces = set()
    for word in analysis.query_terms(text):
        for i in range(len(word) - 1):
            piece = word[i : i + 2]
            if analysis._CJK_RE.search(piece):
                pieces.add(piece)
    found: dict[str, int] = {}
    for piece in sorted(pieces)[:8]:
        for term, df in (
            SearchTerm.objects.filter(text__contains=piece, df__gt=0)
            .exclude(text__startswith="~")
            .order_by("-df")
            .values_list("text", "df")[:limit]
        ):
            if len(term) > 1:
                found[term] = max(found.get(term, 0), df)
    return [t for t, _ in sorted(found.items(), key=lambda kv: -kv[1])[:limit]]


def docs_with_terms(words: Iterable[str]) -> list[int]:
    """Ids of the documents containing any of `words` (for reindexing after a synonym edit)."""
    texts = [analysis.normalize(w)[:MAX_TERM_LENGTH] for w in words if w.strip()]
    term_ids = list(SearchTerm.objects.filter(text__in=texts).values_list("id", flat=True))
    if not term_ids:
        return []
    marks = ", ".join(["%s"] * len(term_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT doc_id FROM search_posting WHERE term_id IN ({marks})",  # noqa: S608
            term_ids,
        )
        return [row[0] for row in cursor.fetchall()]
