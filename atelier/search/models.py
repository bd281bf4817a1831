"""Tables of the search index. The index is derived data: `atelier reindex` rebuilds it from the
domain tables at any time, and every catalog action keeps it current in its own transaction.

Layout (see docs/architecture.md, "Search"):
- `SearchDoc`: one row per indexed document with its facet values, field lengths and its forward
  index (term id → impact), used to score candidates exactly.
- `SearchTerm`: the vocabulary with document frequencies.
- `search_block` (created by migration SQL): the sealed postings, 128 to a row in impact order
  (search/postings.py), written by bulk rebuilds and `engine.seal()`.
- `search_posting` (created by migration SQL): the live delta, one impact-ordered posting per
  row (term_id, -impact, doc_id) as the primary key plus the document's facet bits `f`,
  category code `c` and provider `p` — a WITHOUT ROWID table on SQLite and a primary key with
  INCLUDE (f, c, p) on PostgreSQL — written by every incremental update.
- `SearchStale`: sealed documents replaced or deleted since their blocks were written.
- `FacetCode`: the small integer codes of facet values packed into `f`.
- `SearchStats`: document count and total field lengths (for BM25's average lengths).
- `SynonymGroup`: operator-editable synonym groups, applied at query time.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchDoc(models.Model):
    doc_id = models.BigIntegerField(primary_key=True)
    kind = models.CharField(max_length=12, db_index=True)
    district = models.CharField(max_length=6, db_index=True)
    category = models.CharField(max_length=40, blank=True)
    voucher = models.BooleanField(default=False)
    provider = models.BigIntegerField(db_index=True)
    clusters = models.CharField(max_length=120, blank=True)  # " shoes leather "
    len_title = models.IntegerField(default=0)
    len_category = models.IntegerField(default=0)
    len_industry = models.IntegerField(default=0)
    len_body = models.IntegerField(default=0)
    # Forward index: little-endian uint32 pairs (term_id, impact), see search/postings.py.
    forward = models.BinaryField(default=b"")
    # True when the document's postings are in sealed blocks, False when in the delta.
    sealed = models.BooleanField(default=False)

    class Meta:
        db_table = "search_doc"
        verbose_name = _("索引文档")
        verbose_name_plural = _("索引文档")

    def __str__(self) -> str:
        return f"doc {self.doc_id}"


class SearchPosting(models.Model):
    """One posting: the table is created by migration SQL (a WITHOUT ROWID table on SQLite) and
    read and written with raw SQL by the engine; the model exists so that Django knows the table
    (test database flushes, `sqlflush`)."""

    pk = models.CompositePrimaryKey("term_id", "neg_impact", "doc_id")
    term_id = models.IntegerField()
    neg_impact = models.IntegerField()
    doc_id = models.BigIntegerField()
    f = models.IntegerField(default=0)  # facet bits
    c = models.IntegerField(default=0)  # category code
    p = models.BigIntegerField(default=0)  # provider id

    class Meta:
        db_table = "search_posting"
        verbose_name = _("倒排记录")
        verbose_name_plural = _("倒排记录")

    def __str__(self) -> str:
        return f"{self.term_id}:{self.doc_id}"


class SearchBlock(models.Model):
    """Up to 128 postings of one term in impact order (created by migration SQL so that `key` is
    SQLite's rowid; read and written by search/postings.py)."""

    key = models.BigIntegerField(primary_key=True)  # term_id << 24 | block number
    last = models.BooleanField(default=False)  # the term's last block
    data = models.BinaryField()  # little-endian uint32 5-tuples, see search/postings.py

    class Meta:
        db_table = "search_block"
        verbose_name = _("倒排块")
        verbose_name_plural = _("倒排块")

    def __str__(self) -> str:
        return f"block {self.key}"


class SearchStale(models.Model):
    """A sealed document whose blocks are out of date (replaced or deleted): readers drop its
    sealed postings until `engine.seal()` rewrites the blocks of `terms`."""

    doc_id = models.BigIntegerField(primary_key=True)
    terms = models.BinaryField()  # uint32 term ids of the sealed version

    class Meta:
        db_table = "search_stale"
        verbose_name = _("待合并文档")
        verbose_name_plural = _("待合并文档")

    def __str__(self) -> str:
        return f"stale {self.doc_id}"


class SearchTerm(models.Model):
    text = models.CharField(max_length=64, unique=True)
    df = models.IntegerField(default=0)

    class Meta:
        db_table = "search_term"
        verbose_name = _("索引词")
        verbose_name_plural = _("索引词")

    def __str__(self) -> str:
        return self.text


class SearchStats(models.Model):
    n_docs = models.BigIntegerField(default=0)
    len_title = models.BigIntegerField(default=0)
    len_category = models.BigIntegerField(default=0)
    len_industry = models.BigIntegerField(default=0)
    len_body = models.BigIntegerField(default=0)
    # Changes whenever the stale set changes, so processes know when to reload it.
    stale_token = models.CharField(max_length=32, blank=True, default="")
    # Changes whenever a facet code is created, so processes know when to reload the codes.
    # A code created in a transaction that rolls back takes its new token with it.
    facet_token = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        db_table = "search_stats"
        verbose_name = _("索引统计")
        verbose_name_plural = _("索引统计")

    def __str__(self) -> str:
        return f"{self.n_docs} docs"


class FacetCode(models.Model):
    """A small integer code per facet value, packed into the postings' facet bits."""

    facet = models.CharField(max_length=16)
    value = models.CharField(max_length=64)
    code = models.PositiveSmallIntegerField()

    class Meta:
        db_table = "search_facet_code"
        constraints = [
            models.UniqueConstraint(fields=["facet", "value"], name="facet_value_unique"),
            models.UniqueConstraint(fields=["facet", "code"], name="facet_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.facet}={self.value} ({self.code})"


class SynonymGroup(models.Model):
    words = models.CharField(
        _("同义词"), max_length=500, help_text=_("以空格分隔，如：检测 检验 测试 测定")
    )
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        db_table = "search_synonym_group"
        verbose_name = _("同义词组")
        verbose_name_plural = _("同义词组")

    def __str__(self) -> str:
        return self.words

    @property
    def word_list(self) -> list[str]:
        return [w for w in self.words.split() if w]


class SearchEmbedding(models.Model):
    """The sentence vector of an indexed document (atelier/search/semantic.py): 512 float16
    values, little-endian. `digest` is a hash of the encoded text, so re-indexing a listing whose
    text did not change (a status change, a synonym edit) does not run the encoder again."""

    doc_id = models.BigIntegerField(primary_key=True)
    digest = models.CharField(max_length=32)
    vector = models.BinaryField()

    class Meta:
        db_table = "search_embedding"
        verbose_name = _("语义向量")
        verbose_name_plural = _("语义向量")

    def __str__(self) -> str:
        return f"vector {self.doc_id}"


class SearchEmbeddingState(models.Model):
    """One row: a token that changes whenever vectors or indexed documents change, so every
    process knows when to reload its in-memory matrix (one tiny query per search)."""

    token = models.CharField(max_length=32, blank=True)

    class Meta:
        db_table = "search_embedding_state"

    def __str__(self) -> str:
        return self.token
