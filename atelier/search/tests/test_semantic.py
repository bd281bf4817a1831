"""Sentence vectors: stored with the index, reused when the text is unchanged, reloaded into the
process-wide matrix when anything changes, and only for indexed documents."""

import numpy as np
import pytest

from atelier.search import engine, semantic
from atelier.search.models import SearchEmbedding

pytestmark = pytest.mark.django_db


def doc(doc_id, title, body="", kind="service"):
    facets = {"kind": [kind], "district": ["330302"], "industry": ["shoes"], "voucher": ["1"]}
    return engine.Document(doc_id, {"title": title, "body": body}, facets)


def index(*docs):
    engine.upsert(list(docs))
    return semantic.upsert(list(docs))


def test_encoder_returns_normalised_512_dim_vectors():
    vectors = semantic.encode(["鞋底防滑性能测定", "眼镜架镍释放检测"])
    assert vectors.shape == (2, semantic.DIM) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)


def test_vectors_are_stored_and_reused_while_the_text_is_unchanged():
    assert index(doc(1, "鞋底防滑性能测定"), doc(2, "眼镜架镍释放检测")) == 2
    row = SearchEmbedding.objects.get(doc_id=1)
    assert len(bytes(row.vector)) == semantic.DIM * 2  # float16
    assert index(doc(1, "鞋底防滑性能测定")) == 0  # same text: not encoded again
    assert index(doc(1, "鞋底防滑性能测定", "瓷砖与钢板两种工况")) == 1
    assert SearchEmbedding.objects.get(doc_id=1).digest != row.digest


def test_nearest_finds_a_paraphrase_and_honours_filters():
    index(
        doc(1, "鞋底防滑性能测定", "测量外底在湿滑瓷砖上的摩擦系数"),
        doc(2, "眼镜架镍释放检测", "金属镜架接触皮肤部位的镍析出量", kind="service"),
        doc(3, "鞋类防滑性能试验机", "测定鞋底动摩擦系数的设备", kind="instrument"),
    )
    matrix = semantic.matrix()
    query = semantic.encode_query("下雨天穿这双鞋走路容易打滑摔跤")
    assert [d for d, _ in matrix.nearest(query, 2)] != [2]
    assert matrix.nearest(query, 3)[-1][0] == 2
    only_instruments = matrix.mask(kinds=["instrument"])
    assert [d for d, _ in matrix.nearest(query, 3, only_instruments)] == [3]


def test_matrix_follows_writes_and_deletes():
    index(doc(1, "鞋底防滑性能测定"))
    first = semantic.matrix()
    assert list(first.ids) == [1]
    assert semantic.matrix() is first  # nothing changed: no reload
    index(doc(2, "眼镜架镍释放检测"))
    assert sorted(semantic.matrix().ids) == [1, 2]
    engine.delete([1])
    semantic.delete([1])
    assert list(semantic.matrix().ids) == [2]
    assert not SearchEmbedding.objects.filter(doc_id=1).exists()


def test_only_indexed_documents_are_matched_and_orphans_are_pruned():
    index(doc(1, "鞋底防滑性能测定"), doc(2, "眼镜架镍释放检测"))
    engine.delete([2])  # e.g. a bulk rebuild that no longer contains it
    semantic._bump()
    assert list(semantic.matrix().ids) == [1]
    semantic.prune()
    assert list(SearchEmbedding.objects.values_list("doc_id", flat=True)) == [1]


def test_bulk_rebuild_prunes_vectors_of_documents_left_out():
    index(doc(1, "鞋底防滑性能测定"), doc(2, "眼镜架镍释放检测"))
    with engine.bulk_rebuild():
        engine.upsert([doc(1, "鞋底防滑性能测定")])
    assert list(SearchEmbedding.objects.values_list("doc_id", flat=True)) == [1]
