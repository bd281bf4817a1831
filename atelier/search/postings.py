"""Where the postings live and how they are read and written.

Every term has up to two impact-ordered posting lists:

- **sealed blocks** (`search_block`): up to BLOCK postings per row, packed as little-endian
  uint32 5-tuples (doc_id, impact, facet bits, category code, provider id) — the document's
  facet values travel with each posting, so filters and facet counts need no document rows —
  keyed `term_id << SEQ_BITS | block number`, so
  a term's best postings are its first rows and one query fetches a few thousand postings as a
  handful of rows, decoded by numpy in one call. Written by bulk rebuilds and by `seal()`.
- **the delta** (`search_posting`): one row per posting, keyed (term_id, −impact, doc_id);
  every incremental update writes here, inside the writing action's transaction.

A sealed document that is replaced or deleted is not cut out of its blocks: it joins the stale
set (`search_stale`, the idea of Lucene's deleted-documents bitmap) and readers drop its sealed
postings until `seal()` rewrites the blocks of its terms and merges the delta into them. The
set is cached per process and reloaded when `SearchStats.stale_token` changes.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable, Iterator

import numpy as np
from django.db import connection

BLOCK = 128  # postings per sealed row (2.5 KB; stored uncompressed, see the migration)
SEQ_BITS = 24
DTYPE = np.dtype("<u4")
WIDTH = 5  # columns of a posting: DOC, IMPACT, BITS, CATEGORY, PROVIDER
DOC, IMPACT, BITS, CATEGORY, PROVIDER = range(WIDTH)
MAX_ID = 2**32 - 1
WRITE_CHUNK = 2_000  # block rows per INSERT batch / COPY


def term_range(term_id: int) -> tuple[int, int]:
    return term_id << SEQ_BITS, (term_id + 1) << SEQ_BITS


def pack_forward(term_ids: Iterable[int], impacts: Iterable[int]) -> bytes:
    pairs = np.empty((len(term_ids), 2), dtype=DTYPE)  # type: ignore[arg-type]
    pairs[:, 0] = term_ids
    pairs[:, 1] = impacts
    return pairs.tobytes()


def unpack_forward(blob) -> np.ndarray:
    """The forward index of a document: an (n, 2) array of (term_id, impact)."""
    return np.frombuffer(bytes(blob), dtype=DTYPE).reshape(-1, 2)


def decode(blobs: list) -> np.ndarray:
    """Rows of sealed blocks → one (n, WIDTH) int64 array of postings."""
    if not blobs:
        return np.empty((0, WIDTH), dtype=np.int64)
    raw = b"".join(bytes(b) for b in blobs)
    return np.frombuffer(raw, dtype=DTYPE).reshape(-1, WIDTH).astype(np.int64)


# --------------------------------------------------------------------------------------------
# Reading one posting list


def fetch(sql: str, params: list) -> list[tuple]:
    """Run a read query of the engine. On PostgreSQL through a server-binding cursor in binary
    format: blocks and forward indexes arrive as raw bytes instead of hex text (Django's
    client-binding cursor cannot ask for binary results). Same connection and transaction."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    import psycopg

    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, binary=True)
        return cursor.fetchall()


def among(column: str, values: list) -> tuple[str, list]:
    """`column IN (values)` as SQL and parameters (one array parameter on PostgreSQL)."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [values]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def fetch_forward(doc_ids: list[int]) -> dict[int, bytes]:
    """The forward indexes of documents (doc_id → uint32 pairs)."""
    out: dict[int, bytes] = {}
    for i in range(0, len(doc_ids), 900):
        where, params = among("doc_id", doc_ids[i : i + 900])
        sql = f"SELECT doc_id, forward FROM search_doc WHERE {where}"  # noqa: S608
        out.update((d, bytes(f)) for d, f in fetch(sql, params))
    return out


def sources(term_ids: list[int], in_delta: set[int]) -> list[tuple[int, Source]]:
    """The posting lists to read for query terms, as (term index, list): the sealed blocks of
    each, and its delta only where it has one (`in_delta`, see `terms_in_delta`)."""
    out = []
    for i, term_id in enumerate(term_ids):
        out.append((i, Source(term_id, sealed=True)))
        if term_id in in_delta:
            out.append((i, Source(term_id, sealed=False)))
    return out


def terms_in_delta(term_ids: list[int]) -> set[int]:
    where, params = among("term_id", term_ids)
    sql = f"SELECT DISTINCT term_id FROM search_posting WHERE {where}"  # noqa: S608
    return {row[0] for row in fetch(sql, params)}


def read(requests: list[tuple[Source, int | None]]) -> list[np.ndarray]:
    """Advance several posting lists at once: `(list, n)` reads its next ≈n postings (None:
    all the rest). The sealed lists are read in one query — one round trip per step of a
    search rather than one per term — and the delta lists one query each."""
    sealed = [(s, n) for s, n in requests if s.sealed]
    got: dict[int, np.ndarray] = {}
    if sealed:
        parts, params = [], []
        wanted = {}
        for source, n in sealed:
            blocks = None if n is None else max(1, -(-n // BLOCK))
            wanted[source.term_id] = blocks
            part = "SELECT key, last, data FROM search_block WHERE key >= %s AND key < %s"
            part += " ORDER BY key" + ("" if blocks is None else " LIMIT %s")
            parts.append(part)
            params += [source._key, term_range(source.term_id)[1]]
            params += [] if blocks is None else [blocks]
        sql = parts[0] if len(parts) == 1 else " UNION ALL ".join(
            f"SELECT * FROM ({part}) AS b{i}"  # noqa: S608 - constant text
            for i, part in enumerate(parts)
        )  # fmt: skip
        by_term: dict[int, list] = {}
        for row in fetch(sql, params):
            by_term.setdefault(row[0] >> SEQ_BITS, []).append(row)
        for source, _ in sealed:
            rows = sorted(by_term.get(source.term_id, []))
            got[id(source)] = source._take_blocks(rows, wanted[source.term_id])
    return [got[id(s)] if s.sealed else s._read_delta(n) for s, n in requests]


class Source:
    """One impact-ordered posting list of one query term: its sealed blocks or its delta rows.
    `read(n)` returns the next ≈n postings as an (m, WIDTH) array and advances; `bound` is
    the highest impact any unread posting can have; `live` is False once the list is read.
    Several lists advance together through the module's `read()`."""

    __slots__ = ("term_id", "sealed", "live", "bound", "_key", "_neg", "_doc")

    def __init__(self, term_id: int, sealed: bool):
        self.term_id = term_id
        self.sealed = sealed
        self.live = True
        self.bound = float("inf")
        self._key = term_range(term_id)[0]
        self._neg, self._doc = -(2**31), -1

    def read(self, n: int | None) -> np.ndarray:
        """The next postings as an (m, WIDTH) int64 array; n=None reads all."""
        return read([(self, n)])[0]

    def _take_blocks(self, rows: list, blocks: int | None) -> np.ndarray:
        if not rows or blocks is None or len(rows) < blocks or rows[-1][1]:
            self.live = False
        if rows:
            self._key = rows[-1][0] + 1
        return self._advance(decode([r[2] for r in rows]))

    def _read_delta(self, n: int | None) -> np.ndarray:
        sql = (  # noqa: S608 - constant text, values are parameters
            "SELECT doc_id, -neg_impact, f, c, p FROM search_posting WHERE term_id = %s "
            "AND (neg_impact > %s OR (neg_impact = %s AND doc_id > %s)) "
            "ORDER BY neg_impact, doc_id"
        ) + ("" if n is None else " LIMIT %s")
        params = [self.term_id, self._neg, self._neg, self._doc]
        rows = fetch(sql, params + ([] if n is None else [n]))
        if n is None or len(rows) < n:
            self.live = False
        got = np.array(rows, dtype=np.int64).reshape(-1, WIDTH)
        if len(got):
            self._neg, self._doc = -int(got[-1, 1]), int(got[-1, 0])
        return self._advance(got)

    def _advance(self, got: np.ndarray) -> np.ndarray:
        if len(got):
            self.bound = float(got[-1, 1])
        elif not self.live:
            self.bound = 0.0
        return got


# --------------------------------------------------------------------------------------------
# The stale set

_stale_lock = threading.Lock()
_stale: dict = {"token": None, "ids": np.empty(0, dtype=np.int64)}


def stale_ids(token: str) -> np.ndarray:
    """The sorted doc ids of the stale set (cached per process until the token changes)."""
    with _stale_lock:
        if _stale["token"] == token:
            return _stale["ids"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT doc_id FROM search_stale")
        ids = np.array(sorted(r[0] for r in cursor.fetchall()), dtype=np.int64)
    with _stale_lock:
        _stale.update(token=token, ids=ids)
    return ids


def drop_stale(rows: np.ndarray, stale: np.ndarray) -> np.ndarray:
    if not stale.size or not len(rows):
        return rows
    return rows[~np.isin(rows[:, DOC], stale)]


def new_token() -> str:
    return uuid.uuid4().hex


def mark_stale(docs: list[tuple[int, bytes]]) -> None:
    """Add sealed documents (doc_id, forward blob) to the stale set."""
    if not docs:
        return
    rows = [(doc_id, unpack_forward(fwd)[:, 0].astype(DTYPE).tobytes()) for doc_id, fwd in docs]
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO search_stale (doc_id, terms) VALUES (%s, %s) "
            "ON CONFLICT (doc_id) DO NOTHING",
            rows,
        )
        cursor.execute("UPDATE search_stats SET stale_token = %s", [new_token()])


# --------------------------------------------------------------------------------------------
# Writing blocks


def check_range(columns: np.ndarray) -> None:
    """Sealed blocks hold uint32 values: refuse anything that would not fit."""
    if len(columns) and (int(columns.max()) > MAX_ID or int(columns.min()) < 0):
        raise ValueError("document and provider ids must be between 0 and 2^32 − 1")


def sort_postings(term_ids: np.ndarray, columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Postings (term ids and their (n, WIDTH) columns) in block order: term, impact
    descending, doc id."""
    impacts = columns[:, IMPACT]
    order = np.lexsort((columns[:, DOC], impacts.max(initial=0) - impacts, term_ids))
    return term_ids[order], columns[order]


def encode(term_ids: np.ndarray, columns: np.ndarray) -> Iterator[tuple[int, bool, bytes]]:
    """Block rows (key, last, data) of postings already in block order."""
    n = len(term_ids)
    if not n:
        return
    check_range(columns)
    packed = np.ascontiguousarray(columns, dtype=DTYPE)
    starts = np.flatnonzero(np.r_[True, term_ids[1:] != term_ids[:-1]])
    ends = np.r_[starts[1:], n]
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        base = int(term_ids[start]) << SEQ_BITS
        for seq, a in enumerate(range(start, end, BLOCK)):
            b = min(end, a + BLOCK)
            yield base + seq, b == end, packed[a:b].tobytes()


def write_blocks(rows: Iterator[tuple[int, bool, bytes]]) -> int:
    """Insert block rows; returns how many."""
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor
            with raw.copy("COPY search_block (key, last, data) FROM STDIN (FORMAT BINARY)") as cp:
                cp.set_types(["int8", "bool", "bytea"])
                for row in rows:
                    cp.write_row(row)
                    written += 1
            return written
        chunk = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= WRITE_CHUNK:
                cursor.executemany(INSERT_BLOCK, chunk)
                written += len(chunk)
                chunk = []
        if chunk:
            cursor.executemany(INSERT_BLOCK, chunk)
            written += len(chunk)
    return written


INSERT_BLOCK = "INSERT INTO search_block (key, last, data) VALUES (%s, %s, %s)"


def read_term(term_id: int) -> np.ndarray:
    """Every sealed posting of a term, (n, WIDTH) int64, in block order."""
    return Source(term_id, sealed=True).read(None)


def seal() -> dict:
    """Merge the delta into the sealed blocks and drop stale documents from them, rewriting
    only the blocks of the terms concerned. Call inside a transaction; writers of the index
    wait meanwhile (PostgreSQL: EXCLUSIVE locks, which readers pass; SQLite: the write
    lock)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Before touching anything, so a writer holding row locks finishes first.
            cursor.execute("LOCK TABLE search_posting, search_stale, search_doc IN EXCLUSIVE MODE")
        cursor.execute("SELECT doc_id, terms FROM search_stale")
        stale_rows = cursor.fetchall()
        cursor.execute("SELECT term_id, doc_id, -neg_impact, f, c, p FROM search_posting")
        delta = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 1 + WIDTH)
    stale = np.array(sorted(d for d, _ in stale_rows), dtype=np.int64)
    terms = set(np.unique(delta[:, 0]).tolist())
    for _, blob in stale_rows:
        terms.update(np.frombuffer(bytes(blob), dtype=DTYPE).tolist())
    order = np.argsort(delta[:, 0], kind="stable")
    delta = delta[order]
    bounds = np.searchsorted(delta[:, 0], sorted(terms) + [2**62])
    rewritten = 0
    pending: list[tuple[np.ndarray, np.ndarray]] = []
    with connection.cursor() as cursor:
        for i, term_id in enumerate(sorted(terms)):
            old = drop_stale(read_term(term_id), stale)
            merged = np.concatenate([old, delta[bounds[i] : bounds[i + 1], 1:]])
            lo, hi = term_range(term_id)
            cursor.execute("DELETE FROM search_block WHERE key >= %s AND key < %s", [lo, hi])
            if not len(merged):
                continue
            pending.append((np.full(len(merged), term_id, dtype=np.int64), merged))
            rewritten += 1
            if sum(len(p[0]) for p in pending) > 500_000:
                _flush(pending)
                pending = []
        _flush(pending)
        cursor.execute("DELETE FROM search_posting")
        cursor.execute("DELETE FROM search_stale")
        cursor.execute("UPDATE search_doc SET sealed = %s WHERE sealed = %s", [True, False])
        cursor.execute("UPDATE search_stats SET stale_token = %s", [new_token()])
    return {"terms": rewritten, "delta_postings": len(delta), "stale_documents": len(stale)}


def _flush(pending: list[tuple[np.ndarray, np.ndarray]]) -> None:
    if pending:
        term_ids = np.concatenate([t for t, _ in pending])
        columns = np.concatenate([c for _, c in pending])
        write_blocks(encode(*sort_postings(term_ids, columns)))
