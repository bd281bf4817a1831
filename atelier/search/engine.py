"""The search engine: a BM25F index in ordinary database tables, identical on SQLite and
PostgreSQL, with impact-ordered postings for rank-limited (top-k) queries.

Scoring (BM25F, Robertson & Zaragoza 2009): for a term t and document d,

    tf~(t, d) = Σ_f  W_f · tf_f(t, d) / (1 − B_f + B_f · len_f(d) / avglen_f)
    impact(t, d) = tf~ · (k1 + 1) / (tf~ + k1)
    score(d) = Σ_t  w_t · idf(t) · impact(t, d),   idf(t) = ln(1 + (N − df + 0.5) / (df + 0.5))

with field weights W (title above category/keywords above industry and description) and query
term weights w_t (1 for the user's words, SYNONYM_WEIGHT for their synonym groups: every word of
a synonym group is also indexed as the group's token, so a group costs one posting list).

The impact does not depend on idf, so it is computed at index time and stored with the posting;
a term's postings are kept in impact order (search/postings.py: sealed blocks plus a live delta),
so its best documents come first. Each posting also carries the document's facet columns (kind,
district, voucher, industry clusters as bits; category code; provider), so filters and facet
counts are array operations on the postings read. A query reads each term's postings best-first
in growing batches, keeps lower and upper score bounds per candidate (the "no random access"
algorithm of Fagin, Lotem & Naor 2003), stops once no unseen document can enter the top k, and
rescores the partly seen candidates exactly from the forward index. Small result sets
(Σ df ≤ EXACT_LIMIT) are scored exhaustively, with exact counts and facets; larger ones report
facet counts over the documents read and an estimated total (`approximate`).
"""

from __future__ import annotations

import heapq
import math
import threading
import time
from collections import Counter
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from functools import lru_cache, partial

import numpy as np
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max

from . import analysis, postings
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
HARD_LIMIT_FACTOR = 8  # with too few results, read on up to this many budgets, then give up
RESOLVE_LIMIT = 320  # candidates scored exactly from the forward index, best upper bound first
RESOLVE_CHUNK = 160  # forward indexes fetched per round trip
FACET_SAMPLE = 1_000  # approximate facets are counted over the best documents read

# Facet bits carried by every posting: clusters as a 16-bit mask, district (5 bits), kind
# (4 bits), voucher (1 bit). Codes are assigned per value on first sight (FacetCode table).
CLUSTER_BITS, DISTRICT_SHIFT, KIND_SHIFT, VOUCHER_SHIFT = 16, 16, 21, 25
CODE_LIMITS = {"industry": CLUSTER_BITS, "district": 31, "kind": 15, "category": 32767}


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


class FacetCodes:
    """The facet codes. Writers read them fresh per indexed batch; a search takes them from
    `FacetCodes.current(token)`, cached per process under `SearchStats.facet_token`, which
    every new code changes in the same transaction — a code created in a transaction that
    rolls back leaves the old token, so it is never remembered for a value the database later
    gives another code."""

    _lock = threading.Lock()
    _cached: tuple[str, FacetCodes] | None = None

    def __init__(self):
        self.codes = {
            (f, v): c for f, v, c in FacetCode.objects.values_list("facet", "value", "code")
        }
        self.names = {(f, c): v for (f, v), c in self.codes.items()}

    @classmethod
    def current(cls, token: str) -> FacetCodes:
        """The codes as of `token` (read in the same statement as the search's statistics)."""
        with cls._lock:
            if token and cls._cached and cls._cached[0] == token:
                return cls._cached[1]
        codes = cls()
        if token:
            with cls._lock:
                cls._cached = (token, codes)
        return codes

    def code(self, facet: str, value: str, *, create: bool = False) -> int:
        """The small integer code of a facet value (0 when unknown or over the facet's limit)."""
        code = self.codes.get((facet, value))
        if code is not None or not create:
            return code or 0
        for _ in range(5):
            taken = max((c for (f, _), c in self.codes.items() if f == facet), default=0)
            if taken >= CODE_LIMITS[facet]:
                return 0  # over the limit: such values are checked on document rows instead
            try:
                with transaction.atomic():
                    FacetCode.objects.create(facet=facet, value=value, code=taken + 1)
                    SearchStats.objects.update(facet_token=postings.new_token())
            except IntegrityError:  # taken meanwhile by another writer: read again
                self.__init__()
                if (facet, value) in self.codes:
                    return self.codes[(facet, value)]
                continue
            self.codes[(facet, value)] = taken + 1
            self.names[(facet, taken + 1)] = value
            return taken + 1
        return 0

    def name(self, facet: str, code: int) -> str:
        return self.names.get((facet, code), "")

    def columns(self, facets: dict[str, list[str]]) -> tuple[int, int, int]:
        """What every posting of a document carries: facet bits (industry clusters, district,
        kind, voucher), category code and provider id."""
        bits = 0
        for value in facets.get("industry", []):
            code = self.code("industry", value, create=True)
            if code:
                bits |= 1 << (code - 1)
        district = (facets.get("district") or [""])[0]
        if district:
            bits |= self.code("district", district, create=True) << DISTRICT_SHIFT
        kind = (facets.get("kind") or [""])[0]
        if kind:
            bits |= self.code("kind", kind, create=True) << KIND_SHIFT
        if (facets.get("voucher") or ["0"])[0] in ("1", "true", "True"):
            bits |= 1 << VOUCHER_SHIFT
        category = ((facets.get("category") or [""])[0])[:40]
        category_code = self.code("category", category, create=True) if category else 0
        return bits, category_code, int((facets.get("provider") or ["0"])[0])


# --------------------------------------------------------------------------------------------
# Writing


def _stats() -> SearchStats:
    stats, _ = SearchStats.objects.get_or_create(
        pk=1, defaults={"stale_token": postings.new_token(), "facet_token": postings.new_token()}
    )
    return stats


class _BulkState(threading.local):
    active = False
    pool = None  # analysis worker (multiprocessing pool) when the rebuild runs pipelined
    pending = None  # (documents, async analysis result) not indexed yet


_bulk = _BulkState()


def _term_ids(texts: Iterable[str]) -> dict[str, int]:
    """Term ids, creating the terms not seen yet (during a bulk rebuild from memory: the
    vocabulary starts empty and every term passes through this function)."""
    ids: dict[str, int] = {}
    todo = []
    known = _bulk.vocabulary if _bulk.active else {}
    for t in set(texts):
        if t in known:
            ids[t] = known[t]
        else:
            todo.append(t)
    if not _bulk.active:
        for i in range(0, len(todo), 500):
            chunk = todo[i : i + 500]
            ids.update(SearchTerm.objects.filter(text__in=chunk).values_list("text", "id"))
    missing = [t for t in todo if t not in ids]
    if missing:
        SearchTerm.objects.bulk_create(
            [SearchTerm(text=t, df=0) for t in missing], ignore_conflicts=True, batch_size=500
        )
        for i in range(0, len(missing), 500):
            chunk = missing[i : i + 500]
            ids.update(SearchTerm.objects.filter(text__in=chunk).values_list("text", "id"))
        if _bulk.active:
            known.update((t, ids[t]) for t in missing)
    return ids


def _remove(doc_ids: list[int], df_delta: Counter, length_delta: Counter) -> None:
    """Take these documents out of the index and count what they held (df per term, lengths):
    their delta postings are deleted, sealed ones are marked stale (search/postings.py)."""
    old = list(
        SearchDoc.objects.filter(doc_id__in=doc_ids).values_list(
            "doc_id", "forward", "sealed", *(f"len_{f}" for f in FIELDS)
        )
    )
    if not old:
        return
    keys = []
    stale = []
    for doc_id, forward, sealed, *lengths in old:
        pairs = postings.unpack_forward(forward)
        df_delta.update(pairs[:, 0].tolist())
        if sealed:
            stale.append((doc_id, forward))
        else:
            keys.extend((t, -i, doc_id) for t, i in pairs.tolist())
        length_delta["n_docs"] += 1
        for f, n in zip(FIELDS, lengths, strict=True):
            length_delta[f"len_{f}"] += n
    with connection.cursor() as cursor:
        cursor.executemany(
            "DELETE FROM search_posting WHERE term_id = %s AND neg_impact = %s AND doc_id = %s",
            keys,
        )
    postings.mark_stale(stale)
    SearchDoc.objects.filter(doc_id__in=[d[0] for d in old]).delete()


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


@lru_cache(maxsize=4096)
def _short_field_terms(text: str) -> tuple[str, ...]:
    return tuple(t[:MAX_TERM_LENGTH] for t in analysis.tokenize(text))


def _field_terms(text: str) -> list[str]:
    """The terms of one field; short texts (categories, industries) repeat and are cached."""
    if len(text) <= 32:
        return list(_short_field_terms(text))
    return [t[:MAX_TERM_LENGTH] for t in analysis.tokenize(text)]


LENGTHS = ("n_docs", *(f"len_{f}" for f in FIELDS))


def _analyse(texts: list[tuple[str, ...]], syn: analysis.Synonyms | None = None) -> list:
    """Per document, per field: (term counts, length), synonym group tokens included."""
    syn = syn or _worker_synonyms or synonyms()
    out = []
    for fields_ in texts:
        per_field = []
        for text in fields_:
            terms = syn.with_group_tokens(_field_terms(text))
            per_field.append((Counter(terms), len(terms)))
        out.append(per_field)
    return out


_worker_synonyms: analysis.Synonyms | None = None


def _start_worker(syn: analysis.Synonyms) -> None:
    """In an analysis worker process: the parent's synonyms and segmenter words, no database."""
    global _worker_synonyms
    _worker_synonyms = syn
    analysis.ensure_dictionary()
    analysis.add_words(w for words in syn.words_of.values() for w in words)


def _texts(documents: list[Document]) -> list[tuple[str, ...]]:
    return [tuple(doc.fields.get(f, "") for f in FIELDS) for doc in documents]


@transaction.atomic
def upsert(documents: list[Document]) -> None:
    """Add or replace documents in the index (call inside the writing action's transaction)."""
    if not documents:
        return
    if not _bulk.active:
        removed_df: Counter = Counter()
        removed_len: Counter = Counter()
        _remove([d.doc_id for d in documents], removed_df, removed_len)
        _index(documents, _analyse(_texts(documents)), removed_df, removed_len)
        return
    for doc in documents:
        if doc.doc_id in _bulk.seen:
            raise ValueError(f"document {doc.doc_id} given twice in one bulk rebuild")
        _bulk.seen.add(doc.doc_id)
    if _bulk.pool is None:
        _index(documents, _analyse(_texts(documents)), Counter(), Counter())
        return
    # Pipelined: a worker process analyses this batch while this process indexes the last one.
    job = _bulk.pool.apply_async(_analyse, (_texts(documents),))
    previous, _bulk.pending = _bulk.pending, (documents, job)
    if previous is not None:
        _index(previous[0], previous[1].get(), Counter(), Counter())


def _index(documents: list[Document], analysed: list, removed_df: Counter, removed_len: Counter):
    """Write analysed documents: rows, postings (delta, or memory during a bulk rebuild), df and
    lengths. `removed_*` are what `_remove` took out for the same documents."""
    added: Counter = Counter()
    for per_field in analysed:
        for f, (_, n) in zip(FIELDS, per_field, strict=True):
            added[f"len_{f}"] += n
    added["n_docs"] = len(documents)
    # Averages including this batch, so a first batch is normalised against itself.
    if _bulk.active:
        totals = _bulk.totals.copy()
    else:
        stats = _stats()
        totals = Counter({k: getattr(stats, k) for k in LENGTHS})
        totals.subtract(removed_len)
    totals.update(added)
    n_docs = max(totals["n_docs"], 1)
    params = [(FIELD_WEIGHTS[f], FIELD_B[f], max(totals[f"len_{f}"] / n_docs, 1.0)) for f in FIELDS]
    ids = _term_ids(t for per_field in analysed for counts, _ in per_field for t in counts)
    term_ids: list[int] = []
    tfs: list[float] = []
    sizes: list[int] = []
    for per_field in analysed:
        weighted: dict[str, float] = {}
        for (counts, n), (weight, b, avg) in zip(per_field, params, strict=True):
            if n:
                w = weight / (1 - b + b * n / avg)
                for term, c in counts.items():
                    weighted[term] = weighted.get(term, 0.0) + w * c
        term_ids.extend([ids[t] for t in weighted])
        tfs.extend(weighted.values())
        sizes.append(len(weighted))
    # BM25F saturation, stored as an integer (impact · SCALE); idf is applied at query time.
    tf = np.array(tfs, dtype=np.float64)
    impacts = np.maximum(np.rint(tf * (K1 + 1) / (tf + K1) * SCALE), 1).astype(np.int64)
    tids = np.array(term_ids, dtype=np.int64)
    codes = FacetCodes()
    doc_columns = [codes.columns(doc.facets) for doc in documents]
    rows = []
    end = 0
    for doc, per_field, size in zip(documents, analysed, sizes, strict=True):
        start, end = end, end + size
        facets = doc.facets
        rows.append((
            doc.doc_id,
            (facets.get("kind") or [""])[0],
            (facets.get("district") or [""])[0],
            ((facets.get("category") or [""])[0])[:40],
            (facets.get("voucher") or ["0"])[0] in ("1", "true", "True"),
            int((facets.get("provider") or ["0"])[0]),
            " " + " ".join(facets.get("industry", [])) + " ",
            postings.pack_forward(tids[start:end], impacts[start:end]),
            _bulk.active,
            *(n for _, n in per_field),
        ))  # fmt: skip
    columns = np.empty((len(tids), postings.WIDTH), dtype=np.int64)
    columns[:, postings.DOC] = np.repeat([d.doc_id for d in documents], sizes)
    columns[:, postings.IMPACT] = impacts
    columns[:, postings.BITS :] = np.repeat(np.array(doc_columns, dtype=np.int64), sizes, axis=0)
    _insert(COPY_DOCS, INSERT_DOCS, rows)
    if _bulk.active:
        # Sealed at the end of the rebuild, in one sort (uint32 halves the memory): check the
        # range before narrowing, or an id past 32 bits would wrap around silently.
        postings.check_range(columns)
        _bulk.parts.append((tids.astype(np.uint32), columns.astype(np.uint32)))
        _bulk.totals.update(added)
        return
    delta = sorted(
        (t, -impact, doc, f, c, p)
        for t, (doc, impact, f, c, p) in zip(tids.tolist(), columns.tolist(), strict=True)
    )
    _insert(COPY_POSTING, INSERT_POSTING, delta)
    added_df = Counter(term_ids)
    added_df.subtract(removed_df)
    added.subtract(removed_len)
    _apply_deltas(added_df, added)


def _insert(copy_sql: str, insert_sql: str, rows: list[tuple]) -> None:
    """Insert rows: COPY on PostgreSQL (one round trip; executemany costs one per row)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(insert_sql, rows)


DOC_FIELDS = (
    "doc_id, kind, district, category, voucher, provider, clusters, forward, sealed, "
    "len_title, len_category, len_industry, len_body"
)
INSERT_DOCS = (
    f"INSERT INTO search_doc ({DOC_FIELDS}) "  # noqa: S608 - constant column names
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
COPY_DOCS = f"COPY search_doc ({DOC_FIELDS}) FROM STDIN"
COPY_POSTING = "COPY search_posting (term_id, neg_impact, doc_id, f, c, p) FROM STDIN"
INSERT_POSTING = (
    "INSERT INTO search_posting (term_id, neg_impact, doc_id, f, c, p) "
    "VALUES (%s, %s, %s, %s, %s, %s)"
)


@contextmanager
def bulk_rebuild(*, workers: int = 0):
    """Rebuild the whole index fast: clear it, let `upsert()` keep the vocabulary, lengths and
    postings in memory (24 bytes per posting), and at the end write every posting into sealed
    blocks in one sort. With `workers` (≥ 1, on platforms that fork), text analysis runs in
    that many worker processes, pipelined with indexing. Use it for `reindex` and benchmarks;
    searches meanwhile see an empty or partial index."""
    clear()
    _bulk.active = True
    _bulk.vocabulary = {}
    _bulk.parts = []
    _bulk.seen = set()
    _bulk.totals = Counter()
    _bulk.pending = None
    _bulk.pool = _analysis_pool(workers)
    try:
        yield
        if _bulk.pending is not None:
            documents, job = _bulk.pending
            _index(documents, job.get(), Counter(), Counter())
        parts, totals = _bulk.parts, _bulk.totals
    finally:
        if _bulk.pool is not None:
            _bulk.pool.terminate()
        _bulk.active = False
        _bulk.pool = _bulk.pending = None
        _bulk.vocabulary, _bulk.parts, _bulk.seen = {}, [], set()
    with transaction.atomic():
        if parts:
            term_ids = np.concatenate([t for t, _ in parts])
            columns = np.concatenate([c for _, c in parts])
            del parts
            df = np.bincount(term_ids)
            with connection.cursor() as cursor:
                cursor.executemany(
                    "UPDATE search_term SET df = %s WHERE id = %s",
                    [(int(df[t]), int(t)) for t in np.flatnonzero(df)],
                )
            postings.write_blocks(postings.encode(*postings.sort_postings(term_ids, columns)))
        _stats()
        SearchStats.objects.filter(pk=1).update(**{k: totals[k] for k in LENGTHS})
    from . import semantic

    semantic.prune()  # vectors of listings that were not indexed again


def default_workers() -> int:
    """Analysis workers for a rebuild: one per core beyond the one that writes (at most 4)."""
    import os

    return max(0, min(4, (os.cpu_count() or 1) - 1))


def _analysis_pool(workers: int):
    import multiprocessing

    if workers < 1 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    syn = synonyms()  # read here: workers never touch the database
    context = multiprocessing.get_context("fork")
    return context.Pool(workers, initializer=_start_worker, initargs=(syn,))


def seal() -> dict:
    """Merge the delta into the sealed blocks (see search/postings.py). Searches keep working
    meanwhile; index writers wait. Run it periodically (`atelier reindex --seal`)."""
    with transaction.atomic():
        return postings.seal()


def vacuum() -> None:
    """After a bulk rebuild on PostgreSQL (outside any transaction): refresh the planner's
    statistics and the visibility map, so postings are read by index-only scans at once
    instead of after the next autovacuum. Nothing to do on SQLite."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            for table in ("search_block", "search_posting", "search_doc", "search_term"):
                cursor.execute(f"VACUUM ANALYZE {table}")


@transaction.atomic
def delete(doc_ids: list[int]) -> None:
    df_delta: Counter = Counter()
    length_delta: Counter = Counter()
    _remove(list(doc_ids), df_delta, length_delta)
    for counter in (df_delta, length_delta):
        for key in counter:
            counter[key] = -counter[key]
    _apply_deltas(df_delta, length_delta)


@transaction.atomic
def clear() -> None:
    with connection.cursor() as cursor:
        for table in ("search_posting", "search_block", "search_stale"):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - constant names
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
    in_delta: bool  # has postings in the delta (False: its sealed blocks are all)


class _Filter:
    """The filters as checks on the facet columns that travel with every posting. A value
    without a facet code (a facet past its code limit) matches only documents stored without
    a code; those are then checked on their document rows (`post`)."""

    def __init__(self, filters: dict, codes: FacetCodes):
        self.codes = codes
        self.checks: dict[str, object] = {}  # name → function(bits, category, provider) → mask
        self.post: dict = {}
        for name, value in filters.items():
            self.checks[name] = self._check(name, value)

    def _check(self, name: str, value):
        if name == "voucher":
            want = 1 if value else 0
            return lambda bits, cat, prov: ((bits >> VOUCHER_SHIFT) & 1) == want
        if name == "provider":
            want = int(value)
            return lambda bits, cat, prov: prov == want
        if name not in ("kind", "district", "industry", "category"):
            return lambda bits, cat, prov: np.ones(len(bits), dtype=bool)
        code = self.codes.code(name, str(value))
        if not code:
            self.post[name] = value
        if name == "industry":
            if not code:  # a document lists several clusters: only its row can tell
                return lambda bits, cat, prov: np.ones(len(bits), dtype=bool)
            want = 1 << (code - 1)
            return lambda bits, cat, prov: (bits & want) != 0
        if name == "category":
            return lambda bits, cat, prov: cat == code
        shift, mask = (KIND_SHIFT, 15) if name == "kind" else (DISTRICT_SHIFT, 31)
        return lambda bits, cat, prov: ((bits >> shift) & mask) == code

    def passes(self, bits, cat, prov) -> dict[str, np.ndarray]:
        return {name: check(bits, cat, prov) for name, check in self.checks.items()}

    def apply(self, rows: np.ndarray) -> np.ndarray:
        """The postings whose facet columns pass every filter."""
        if not self.checks or not len(rows):
            return rows
        keep = np.ones(len(rows), dtype=bool)
        for ok in self.passes(rows[:, P_BITS], rows[:, P_CATEGORY], rows[:, P_PROVIDER]).values():
            keep &= ok
        return rows[keep]

    def post_check(self, seen: _Seen) -> np.ndarray:
        """Doc ids failing a filter that had to be checked on document rows."""
        if not self.post:
            return np.empty(0, dtype=np.int64)
        rows = _fetch_docs(seen.doc_ids.tolist())
        failing = [d for d in seen.doc_ids.tolist() if not _doc_matches(rows[d], self.post)]
        return np.array(failing, dtype=np.int64)


P_BITS, P_CATEGORY, P_PROVIDER = postings.BITS, postings.CATEGORY, postings.PROVIDER


def _doc_matches(doc: tuple, filters: dict) -> bool:
    # doc = (doc_id, kind, district, category, voucher, provider, clusters)
    for name, value in filters.items():
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


def _facets(
    seen: _Seen, passes: dict[str, np.ndarray], codes: FacetCodes
) -> dict[str, dict[str, int]]:
    """Counts per facet value, each facet counted with the other facets' filters applied
    (so choosing a district still shows how many results the other districts have): a document
    failing no filter counts in every facet, one failing exactly one filter counts only in that
    filter's facet, one failing more counts nowhere."""
    fails = np.zeros(len(seen.doc_ids), dtype=np.int64)
    for ok in passes.values():
        fails += ~ok
    out: dict[str, dict[str, int]] = {}
    for name in FACETS:
        chosen = fails == 0
        if name in passes:
            chosen |= (fails == 1) & ~passes[name]
        bits = seen.bits[chosen]
        if name == "industry":
            counts = Counter()
            for bit in range(CLUSTER_BITS):
                n = int(np.count_nonzero(bits & (1 << bit)))
                if n:
                    counts[codes.name("industry", bit + 1)] += n
        elif name == "voucher":
            on = int(np.count_nonzero((bits >> VOUCHER_SHIFT) & 1))
            counts = Counter({"1": on, "0": len(bits) - on})
            counts = +counts  # drop zeros
        else:
            if name == "provider":
                values, numbers = np.unique(seen.provider[chosen], return_counts=True)
                label = str
            else:
                column = {
                    "kind": (bits >> KIND_SHIFT) & 15,
                    "district": (bits >> DISTRICT_SHIFT) & 31,
                    "category": seen.category[chosen],
                }[name]
                values, numbers = np.unique(column, return_counts=True)
                label = partial(codes.name, name)
            counts = Counter(
                {label(v): n for v, n in zip(values.tolist(), numbers.tolist(), strict=True) if v}
            )
        out[name] = dict(counts.most_common())
    return out


DOC_COLUMNS = ("doc_id", "kind", "district", "category", "voucher", "provider", "clusters")


def _fetch_docs(doc_ids: list[int]) -> dict[int, tuple]:
    out: dict[int, tuple] = {}
    columns = ", ".join(DOC_COLUMNS)
    with connection.cursor() as cursor:
        for i in range(0, len(doc_ids), 900):
            where, params = postings.among("doc_id", doc_ids[i : i + 900])
            cursor.execute(f"SELECT {columns} FROM search_doc WHERE {where}", params)  # noqa: S608
            out.update((row[0], row) for row in cursor.fetchall())
    return out


@dataclass
class _State:
    n_docs: int
    stale_token: str
    facet_token: str
    terms: list[tuple[int, str, int, bool]]  # (id, text, df, has delta postings)


def _query_state(texts: list[str]) -> _State | None:
    """What a search needs before reading postings, in one round trip: the index statistics,
    the cache tokens, and the query's terms with their df and whether they have delta
    postings. None before anything was indexed."""
    where, params = postings.among("t.text", texts)
    sql = (
        "SELECT s.n_docs, s.stale_token, s.facet_token, t.id, t.text, t.df, "  # noqa: S608
        "EXISTS (SELECT 1 FROM search_posting p WHERE p.term_id = t.id) "
        f"FROM search_stats s LEFT JOIN search_term t ON t.df > 0 AND {where} "
        "WHERE s.id = 1"
    )
    rows = postings.fetch(sql, params)
    if not rows:
        return None
    n_docs, stale_token, facet_token = rows[0][:3]
    terms = [(r[3], r[4], r[5], bool(r[6])) for r in rows if r[3] is not None]
    return _State(n_docs, stale_token, facet_token, terms)


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
    state = _query_state(list(weights))
    if state is None:
        return Result(0, [], {}, user_terms)
    n_docs = max(state.n_docs, 1)
    terms = [
        _QueryTerm(i, t, weights[t] * idf(df, n_docs) / SCALE, df, bool(in_delta))
        for i, t, df, in_delta in state.terms
    ]
    if not terms:
        return Result(0, [], {}, user_terms)
    terms.sort(key=lambda t: t.term_id)  # a fixed order: term i is bit i of the match masks
    stale = postings.stale_ids(state.stale_token)
    codes = FacetCodes.current(state.facet_token)
    if sum(t.df for t in terms) <= EXACT_LIMIT:
        result = _search_exhaustive(terms, filters, offset, limit, stale, codes)
    else:
        result = _search_top_k(terms, filters, offset, limit, n_docs, stale, codes)
    result.terms = user_terms
    syn = synonyms()
    for hit in result.hits:
        hit.terms = syn.display(hit.terms)
    return result


@dataclass
class _Seen:
    """The documents read so far, one array entry each: partial score, the query terms they
    were seen under (bit i = term i), and their facet columns."""

    doc_ids: np.ndarray
    lower: np.ndarray
    mask: np.ndarray
    bits: np.ndarray
    category: np.ndarray
    provider: np.ndarray

    @classmethod
    def of(cls, parts: list[tuple[int, float, np.ndarray]]) -> _Seen:
        if not parts:
            empty = np.empty(0, dtype=np.int64)
            return cls(empty, np.empty(0), empty, empty, empty, empty)
        rows = np.concatenate([r for _, _, r in parts])
        contrib = np.concatenate([r[:, postings.IMPACT] * weight for _, weight, r in parts])
        term_bit = np.concatenate([np.full(len(r), 1 << i) for i, _, r in parts])
        doc_ids, first, inverse = np.unique(
            rows[:, postings.DOC], return_index=True, return_inverse=True
        )
        lower = np.bincount(inverse, weights=contrib)
        mask = np.zeros(len(doc_ids), dtype=np.int64)
        np.bitwise_or.at(mask, inverse, term_bit)
        facet = rows[first]
        return cls(
            doc_ids, lower, mask, facet[:, P_BITS], facet[:, P_CATEGORY], facet[:, P_PROVIDER]
        )

    def take(self, keep: np.ndarray) -> _Seen:
        return _Seen(*(getattr(self, f.name)[keep] for f in fields(self)))

    def drop(self, doc_ids: np.ndarray) -> _Seen:
        return self.take(~np.isin(self.doc_ids, doc_ids)) if len(doc_ids) else self

    def terms_of(self, j: int, terms: list[_QueryTerm]) -> list[str]:
        mask = int(self.mask[j])
        return [t.text for i, t in enumerate(terms) if mask >> i & 1]


def _read_lists(
    term_ids: list[int], stale: np.ndarray, in_delta: set[int] | None = None
) -> list[tuple[int, np.ndarray]]:
    """Every live posting of these terms, as (term index, rows), stale documents dropped."""
    if in_delta is None:
        in_delta = postings.terms_in_delta(term_ids)
    sources = postings.sources(term_ids, in_delta)
    lists = postings.read([(s, None) for _, s in sources])
    out = []
    for (i, source), rows in zip(sources, lists, strict=True):
        if source.sealed:
            rows = postings.drop_stale(rows, stale)
        if len(rows):
            out.append((i, rows))
    return out


def _read_all(terms, stale) -> list[tuple[int, float, np.ndarray]]:
    in_delta = {t.term_id for t in terms if t.in_delta}
    lists = _read_lists([t.term_id for t in terms], stale, in_delta)
    return [(i, terms[i].weight, rows) for i, rows in lists]


def _search_exhaustive(terms, filters, offset, limit, stale, codes) -> Result:
    seen = _Seen.of(_read_all(terms, stale))
    flt = _Filter(filters, codes)
    passes = flt.passes(seen.bits, seen.category, seen.provider)
    if flt.post:
        failing = np.isin(seen.doc_ids, flt.post_check(seen))
        for name in flt.post:
            passes[name] = passes[name] & ~failing
    passing = np.ones(len(seen.doc_ids), dtype=bool)
    for ok in passes.values():
        passing &= ok
    rows = np.flatnonzero(passing)
    rows = rows[np.lexsort((seen.doc_ids[rows], -seen.lower[rows]))][offset : offset + limit]
    hits = [Hit(int(seen.doc_ids[j]), float(seen.lower[j]), seen.terms_of(j, terms)) for j in rows]
    return Result(int(passing.sum()), hits, _facets(seen, passes, codes), [])


def _search_top_k(terms, filters, offset, limit, n_docs, stale, codes) -> Result:
    need = offset + limit
    flt = _Filter(filters, codes)
    in_delta = {t.term_id for t in terms if t.in_delta}
    sources = postings.sources([t.term_id for t in terms], in_delta)
    parts: list[tuple[int, float, np.ndarray]] = []
    rejected: set[int] = set()  # documents failing a filter checked on their row
    checked: set[int] = set()
    batch = max(FIRST_BATCH, need * 4)
    read = 0
    budget = MAX_POSTINGS_READ
    while True:
        live = [(i, s) for i, s in sources if s.live]
        heaviest = max(terms[i].weight for i, _ in live)
        sizes = []
        for i, _ in live:
            # Rare (high-idf) words decide the ranking: read their lists faster than the
            # lists of common words, whose documents mostly just add small amounts.
            size = max(FIRST_BATCH // 2, int(batch * terms[i].weight / heaviest))
            sizes.append(min(size, max(FIRST_BATCH // 2, (budget - read) // len(live))))
        got = postings.read([(s, size) for (_, s), size in zip(live, sizes, strict=True)])
        for (i, source), rows in zip(live, got, strict=True):
            read += len(rows)
            if source.sealed:
                rows = postings.drop_stale(rows, stale)
            rows = flt.apply(rows)
            if len(rows):
                parts.append((i, terms[i].weight, rows))
        seen = _Seen.of(parts)
        if flt.post:
            todo = seen.take(~np.isin(seen.doc_ids, list(checked)))
            rejected.update(flt.post_check(todo).tolist())
            checked.update(todo.doc_ids.tolist())
            seen = seen.drop(np.array(sorted(rejected), dtype=np.int64))
        bounds = _term_bounds(terms, sources)
        if not any(s.live for _, s in sources):
            break  # every posting has been read: scores, ranking and counts are exact
        if read >= MAX_POSTINGS_READ and len(seen.doc_ids) >= need:
            break
        if read >= MAX_POSTINGS_READ * HARD_LIMIT_FACTOR:
            break  # a filter almost nothing passes: give up with what was found
        if read >= MAX_POSTINGS_READ:
            budget = MAX_POSTINGS_READ * HARD_LIMIT_FACTOR  # too few found: read on, still growing
        if len(seen.doc_ids) >= need:
            kth = np.partition(seen.lower, len(seen.lower) - need)[len(seen.lower) - need]
            if kth >= bounds.sum():
                break  # no unseen document can enter the top k any more
        batch *= 4
    exact = not any(s.live for _, s in sources)
    if exact:
        order = np.lexsort((seen.doc_ids, -seen.lower))[offset : offset + limit]
        hits = [
            Hit(int(seen.doc_ids[j]), float(seen.lower[j]), seen.terms_of(j, terms)) for j in order
        ]
    else:
        hits = _resolve(terms, bounds, seen, need, offset, limit)
    sample = np.arange(len(seen.doc_ids))
    if not exact and len(sample) > FACET_SAMPLE:
        sample = np.argpartition(-seen.lower, FACET_SAMPLE)[:FACET_SAMPLE]
    facets = _facets(seen.take(sample), {}, codes)
    if exact:
        count = len(seen.doc_ids)
    else:
        # The union of the terms' documents if they were independent, times the share of all
        # documents that pass the filters.
        union = n_docs * (1 - math.prod(1 - min(t.df, n_docs) / n_docs for t in terms))
        count = max(len(seen.doc_ids), round(union * _selectivity(filters, n_docs)))
    return Result(count, hits, facets, [], approximate=not exact)


def _term_bounds(terms, sources) -> np.ndarray:
    """Per query term, the most an unread posting can add to a document's score."""
    bounds = np.zeros(len(terms))
    for i, source in sources:
        if source.live:
            bounds[i] = max(bounds[i], source.bound * terms[i].weight)
    return bounds


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


def _resolve(terms, bounds, seen: _Seen, need, offset, limit) -> list[Hit]:
    """The exact top `need` among partly scored candidates: visit them by upper bound, score
    the partly seen ones exactly from their forward index, and stop when the next upper bound
    cannot beat the k-th exact score."""
    missing = np.zeros(len(seen.doc_ids))
    for i, bound in enumerate(bounds.tolist()):
        if bound:
            missing += np.where(seen.mask >> i & 1, 0.0, bound)
    upper = seen.lower + missing
    if len(seen.lower) >= need:
        floor = np.partition(seen.lower, len(seen.lower) - need)[len(seen.lower) - need]
    else:
        floor = -np.inf  # stopped by the hard limit with fewer candidates than wanted
    candidates = np.flatnonzero(upper >= floor)
    candidates = candidates[np.lexsort((seen.doc_ids[candidates], -upper[candidates]))]
    score, mask = seen.lower.copy(), seen.mask.copy()
    best: list[tuple[float, int, int]] = []  # min-heap of (exact score, -doc_id, row)
    resolved = 0
    for start in range(0, len(candidates), RESOLVE_CHUNK):
        chunk = candidates[start : start + RESOLVE_CHUNK]
        if len(best) >= need and best[0][0] >= upper[chunk[0]]:
            break
        partial = chunk[missing[chunk] > 0][: max(0, RESOLVE_LIMIT - resolved)]
        if len(partial):
            resolved += len(partial)
            score[partial], mask[partial] = _score_forward(terms, seen.doc_ids[partial])
        for j in chunk.tolist():
            item = (float(score[j]), -int(seen.doc_ids[j]), j)
            if len(best) < need:
                heapq.heappush(best, item)
            elif item > best[0]:
                heapq.heapreplace(best, item)
    ranked = sorted(best, reverse=True)[offset : offset + limit]
    return [
        Hit(-neg_doc, s, [t.text for i, t in enumerate(terms) if int(mask[j]) >> i & 1])
        for s, neg_doc, j in ranked
    ]


def _score_forward(terms, doc_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact scores and term masks of documents from their forward index, in one pass."""
    forward = postings.fetch_forward(doc_ids.tolist())
    blobs = [forward.get(d, b"") for d in doc_ids.tolist()]
    pairs = np.frombuffer(b"".join(blobs), dtype=postings.DTYPE).reshape(-1, 2).astype(np.int64)
    owner = np.repeat(np.arange(len(blobs)), [len(b) // 8 for b in blobs])
    query_ids = np.array([t.term_id for t in terms], dtype=np.int64)  # sorted: bit i = term i
    weights = np.array([t.weight for t in terms])
    pos = np.minimum(np.searchsorted(query_ids, pairs[:, 0]), len(query_ids) - 1)
    hit = query_ids[pos] == pairs[:, 0]
    owner, pos = owner[hit], pos[hit]
    scores = np.bincount(owner, weights=weights[pos] * pairs[hit, 1], minlength=len(blobs))
    masks = np.zeros(len(blobs), dtype=np.int64)
    np.bitwise_or.at(masks, owner, np.left_shift(1, pos))
    return scores, masks


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
    stale = postings.stale_ids(_stats().stale_token)
    found = {d for _, rows in _read_lists(term_ids, stale) for d in rows[:, 0].tolist()}
    return sorted(found)
