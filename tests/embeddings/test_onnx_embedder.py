"""The ONNX int8 embedder: built from the real e5-small folder, checked against torch."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from embeddings import onnx_embedder as oe
from embeddings.models import embed_passages, embed_queries, embedding_dimension, model_fingerprint
from qa.config import settings


def corpus_passages(n: int) -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(settings().corpus_dir.glob("*.txt"))]
    return oe.split_into_pieces(texts, n=n, words=100)


@pytest.fixture(scope="module")
def e5_folder(e5_model) -> Path:
    return Path(e5_model.kenes_path)


@pytest.fixture(scope="module")
def onnx_folder(e5_folder) -> Path:
    """Built once into the real model cache beside the e5 folder (~30 s the first time)."""
    return oe.ensure_onnx_model(e5_folder)


@pytest.fixture(scope="module")
def onnx_model(onnx_folder) -> oe.OnnxEmbedder:
    return oe.OnnxEmbedder(onnx_folder, threads=2)


def test_int8_vectors_match_torch_on_corpus_passages(onnx_model, e5_model):
    passages = corpus_passages(16)
    assert len(passages) == 16 and all(len(p.split()) == 100 for p in passages)
    assert oe.verify_against_torch(onnx_model, e5_model, passages) >= 0.99


def test_queries_use_the_query_prompt_and_match_torch(onnx_model, e5_model):
    questions = [
        json.loads(line)["question"]
        for line in (settings().corpus_dir / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    ][:12]
    ours, theirs = embed_queries(onnx_model, questions), embed_queries(e5_model, questions)
    assert ours.dtype == np.float32 and ours.shape == (12, 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert (ours * theirs).sum(axis=1).min() >= 0.99
    as_passages = embed_passages(onnx_model, questions)
    assert (ours * as_passages).sum(axis=1).max() < 0.995  # "query: " vs "passage: "


def test_input_order_is_preserved_across_length_sorted_batches(onnx_model):
    passages = corpus_passages(24)
    # lengths from 3 to 100 words, so sorting by length really reorders the batches
    texts = [" ".join(p.split()[: 3 + (i * 37) % 98]) for i, p in enumerate(passages)]
    vectors = embed_passages(onnx_model, texts, batch_size=8)
    perm = np.random.default_rng(7).permutation(len(texts))
    shuffled = embed_passages(onnx_model, [texts[i] for i in perm], batch_size=8)
    assert np.allclose(vectors[perm], shuffled, atol=1e-6)
    # each text, embedded alone, is nearest to its own row of the batched result
    alone = np.stack([onnx_model.encode(texts[i], prompt_name="passage") for i in range(6)])
    alone /= np.linalg.norm(alone, axis=1, keepdims=True)
    sims = alone @ vectors.T
    assert list(sims.argmax(axis=1)) == list(range(6))
    # int8 activations are scaled per batch, so a text alone differs slightly
    assert sims[np.arange(6), np.arange(6)].min() > 0.99


def test_stands_in_for_a_sentence_transformer(onnx_model, e5_model):
    assert embedding_dimension(onnx_model) == 384 == onnx_model.get_embedding_dimension()
    assert onnx_model.kenes_name == e5_model.kenes_name
    assert onnx_model.prompts["query"] == "query: "
    one = onnx_model.encode("Қазақстан", prompt_name="query", normalize_embeddings=True)
    assert one.shape == (384,)
    assert embed_passages(onnx_model, []).shape == (0, 384)
    fingerprint = model_fingerprint(onnx_model)
    assert fingerprint.startswith("multilingual-e5-small:384:")
    assert fingerprint != model_fingerprint(e5_model)  # int8 vectors are not torch's
    assert fingerprint == model_fingerprint(onnx_model.folder)
    with pytest.raises(ValueError, match="prompt name"):
        onnx_model.encode(["x"], prompt_name="nope")


def test_stale_or_unfinished_builds_are_not_current(onnx_folder, e5_folder, tmp_path):
    assert oe.is_current(onnx_folder, e5_folder)
    copy = tmp_path / "copy"
    shutil.copytree(onnx_folder, copy)
    assert oe.is_current(copy, e5_folder)
    assert not oe.is_current(copy, e5_folder, {"per_channel": False})  # other settings
    marker = json.loads((copy / oe.MARKER_FILE).read_text())
    (copy / oe.MARKER_FILE).write_text(json.dumps({**marker, "source_fingerprint": "other"}))
    assert not oe.is_current(copy, e5_folder)
    (copy / oe.MARKER_FILE).unlink()  # an interrupted build never wrote its marker
    assert not oe.is_current(copy, e5_folder)
    with pytest.raises(oe.OnnxEmbedderError, match="not a finished"):
        oe.OnnxEmbedder(copy)


def test_corrupted_onnx_file_is_detected(onnx_folder, e5_folder, tmp_path):
    target = tmp_path / "e5-onnx-int8"
    shutil.copytree(onnx_folder, target)
    with (target / oe.ONNX_FILE).open("r+b") as f:  # same size, altered bytes
        f.seek(f.seek(0, 2) // 2)
        f.write(b"\x00corrupt\x00" * 8)
    assert not oe.is_current(target, e5_folder)
    with (target / oe.ONNX_FILE).open("r+b") as f:  # truncated
        f.truncate(1000)
    assert not oe.is_current(target, e5_folder)


def tiny_bert_folder(e5_folder: Path, out: Path) -> Path:
    """A real but tiny sentence-transformers BERT (e5's tokenizer, 2 layers of 32 wide)."""
    import torch
    from transformers import BertConfig, BertModel

    config = json.loads((e5_folder / "config.json").read_text())
    config.update(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64)
    torch.manual_seed(0)
    BertModel(BertConfig(**config)).save_pretrained(out)
    for name in oe._COPIED_FILES:
        if name != "config.json" and (e5_folder / name).is_file():
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(e5_folder / name, out / name)
    pooling = json.loads((out / "1_Pooling/config.json").read_text())
    (out / "1_Pooling/config.json").write_text(
        json.dumps({**pooling, "word_embedding_dimension": 32})
    )
    return out


def test_corrupted_build_is_rebuilt_atomically(e5_folder, tmp_path):
    source = tiny_bert_folder(e5_folder, tmp_path / "tiny-bert")
    target = oe.ensure_onnx_model(source)
    assert target == tmp_path / "tiny-bert-onnx-int8" and oe.is_current(target, source)
    texts = corpus_passages(5)
    tiny = oe.OnnxEmbedder(target)
    before = tiny.encode(texts, prompt_name="passage")
    assert before.shape == (5, 32) and tiny.kenes_name == "tiny-bert"
    assert model_fingerprint(tiny).startswith("tiny-bert-onnx-int8:32:")  # not e5's name
    good_sha = oe.read_marker(target)["onnx_sha256"]
    with (target / oe.ONNX_FILE).open("r+b") as f:
        f.seek(f.seek(0, 2) // 2)
        f.write(b"\x00corrupt\x00" * 8)

    assert oe.ensure_onnx_model(source) == target  # detected and rebuilt
    assert oe.is_current(target, source)
    assert oe._sha256(target / oe.ONNX_FILE) == good_sha  # the export is deterministic
    assert np.array_equal(oe.OnnxEmbedder(target).encode(texts, prompt_name="passage"), before)
    leftovers = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("."))
    assert leftovers == [".tiny-bert-onnx-int8.lock"]  # no temporary or old folders
