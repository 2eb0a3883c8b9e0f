"""Retrieval: documents in, passages out (FAISS + BM25, fused); the question as search sees it."""
