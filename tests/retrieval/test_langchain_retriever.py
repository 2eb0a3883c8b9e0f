"""Search through LangChain's retriever interface."""

from langchain_core.retrievers import BaseRetriever

from qa.retrieval.langchain import KenesRetriever


def test_langchain_retriever_returns_cited_documents(corpus_index):
    retriever = KenesRetriever(index=corpus_index, k=3)
    assert isinstance(retriever, BaseRetriever)
    documents = retriever.invoke("Қазақстан 2014 жылы қай бітімгерлік миссияға қатысты?")
    assert len(documents) == 3
    assert any("MINURSO" in d.page_content for d in documents)
    for d in documents:
        source = corpus_index.document(d.metadata["doc_id"]).text
        assert source[d.metadata["start"] : d.metadata["end"]] == d.metadata["original"]


def test_retriever_mode_is_used(corpus_index):
    bm25 = KenesRetriever(index=corpus_index, k=2, mode="bm25").invoke("UNDOF Голан")
    assert "Голан" in bm25[0].page_content
