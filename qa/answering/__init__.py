"""Answering: evidence, the decision to answer, the language models, checked citations."""
