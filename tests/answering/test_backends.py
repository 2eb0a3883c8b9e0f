"""Generation backends: the real `ollama` client and langchain-ollama against the
Ollama test double (tests/ollama_double.py), backend selection, and one real
llama.cpp generation."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

import qa.answering.backends
from qa.answering.backends import BackendUnavailable, GenerationRequest, open_backend
from qa.answering.backends.ollama import OllamaBackend, resolve_host
from qa.types import Passage

try:
    from tests.ollama_double import OllamaDouble, down_url
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from ollama_double import OllamaDouble, down_url  # type: ignore[no-redef]

SYSTEM = "Сен тек берілген үзінділер бойынша жауап бересің. Әр фактіге [n] сілтеме қой."
PASSAGE = Passage(
    id="p1",
    doc_id="d1",
    origin="somalia.txt",
    title="Сомали",
    text="Қазақстан Сомалиге 350 млн АҚШ долларын бөлді.",
    original="Қазақстан Сомалиге 350 млн АҚШ долларын бөлді.",
    start=0,
    end=47,
)
QUESTION = "Сомалиге қанша ақша бөлінді?"


def make_request(max_tokens: int = 64) -> GenerationRequest:
    user = f"Үзінділер:\n[1] {PASSAGE.text}\n\nСұрақ: {QUESTION}"
    return GenerationRequest(
        messages=[SystemMessage(SYSTEM), HumanMessage(user)],
        question=QUESTION,
        passages=[PASSAGE],
        max_tokens=max_tokens,
    )


@pytest.fixture(autouse=True)
def _no_user_ollama_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    monkeypatch.delenv("KENES_OLLAMA_MODEL", raising=False)


# -- Ollama through the real clients ---------------------------------------------------


def test_stream_arrives_in_pieces_and_carries_the_prompt(ollama_double: OllamaDouble) -> None:
    backend = OllamaBackend("qwen2.5:3b", host=ollama_double.url)
    assert backend.check() == ollama_double.version

    request = make_request(max_tokens=77)
    request.temperature = 0.3  # not the default: the request's own value must reach the server
    pieces = list(backend.stream(request))

    assert len(pieces) > 3
    assert "".join(pieces) == ollama_double.reply
    (sent,) = ollama_double.chat_requests
    assert sent["model"] == "qwen2.5:3b"
    assert sent["stream"] is True
    assert sent["messages"][0] == {"role": "system", "content": SYSTEM}
    assert sent["messages"][1]["role"] == "user"
    assert f"[1] {PASSAGE.text}" in sent["messages"][1]["content"]
    assert sent["options"]["num_predict"] == 77
    assert sent["options"]["temperature"] == pytest.approx(0.3)


def test_model_name_without_tag_means_latest(ollama_double: OllamaDouble) -> None:
    ollama_double.models = ["qwen2.5:latest"]
    OllamaBackend("qwen2.5", host=ollama_double.url).check()


def test_missing_model_says_ollama_pull(ollama_double: OllamaDouble) -> None:
    ollama_double.models = ["llama3.2:1b"]
    backend = OllamaBackend("qwen2.5:3b", host=ollama_double.url)
    with pytest.raises(BackendUnavailable, match=r"`ollama pull qwen2\.5:3b`"):
        backend.check()
    with pytest.raises(BackendUnavailable, match="ollama pull"):
        list(backend.stream(make_request()))


def test_server_down_says_ollama_serve() -> None:
    url = down_url()
    backend = OllamaBackend("qwen2.5:3b", host=url)
    with pytest.raises(BackendUnavailable, match=f"not reachable at {url}.*`ollama serve`"):
        backend.check()
    with pytest.raises(BackendUnavailable, match="ollama serve"):
        list(backend.stream(make_request()))


def test_slow_server_beyond_the_timeout(ollama_double: OllamaDouble) -> None:
    ollama_double.delay = 1.0
    backend = OllamaBackend("qwen2.5:3b", host=ollama_double.url, timeout=0.3)
    backend.check()  # the metadata endpoints are fast
    with pytest.raises(BackendUnavailable, match=r"timed out.*smaller model.*llama-cpp"):
        list(backend.stream(make_request()))


def test_timeout_is_per_chunk_not_per_answer(ollama_double: OllamaDouble) -> None:
    ollama_double.delay = 0.05  # ~15 chunks: the whole answer takes longer than the timeout
    backend = OllamaBackend("qwen2.5:3b", host=ollama_double.url, timeout=0.5)
    assert "".join(backend.stream(make_request())) == ollama_double.reply


def test_error_in_the_middle_of_the_stream(ollama_double: OllamaDouble) -> None:
    ollama_double.stream_error = "llama runner process has terminated"
    backend = OllamaBackend("qwen2.5:3b", host=ollama_double.url)
    received: list[str] = []
    with pytest.raises(BackendUnavailable, match="llama runner process has terminated"):
        for piece in backend.stream(make_request()):
            received.append(piece)
    assert "".join(received) == ollama_double.reply


def test_host_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_host() == "http://127.0.0.1:11434"
    assert resolve_host("localhost:9999") == "http://localhost:9999"
    assert resolve_host("https://ollama.example:443/") == "https://ollama.example:443"
    monkeypatch.setenv("OLLAMA_HOST", "0.0.0.0")
    assert resolve_host() == "http://0.0.0.0:11434"
    assert resolve_host("10.0.0.2:8080") == "http://10.0.0.2:8080"  # the argument wins


# -- open_backend ----------------------------------------------------------------------


def test_auto_picks_ollama_when_it_answers(ollama_double: OllamaDouble) -> None:
    backend, notices = open_backend("auto", ollama_host=ollama_double.url)
    assert (backend.name, backend.model, notices) == ("ollama", "qwen2.5:3b", [])


def test_model_from_environment(
    ollama_double: OllamaDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    ollama_double.models = ["gemma3:4b"]
    monkeypatch.setenv("KENES_OLLAMA_MODEL", "gemma3:4b")
    monkeypatch.setenv("OLLAMA_HOST", ollama_double.url.removeprefix("http://"))
    backend, _ = open_backend("ollama")
    assert backend.model == "gemma3:4b"


def test_auto_falls_back_when_ollama_is_down() -> None:
    backend, notices = open_backend("auto", ollama_host=down_url())
    assert backend.name in {"llama-cpp", "extractive"}
    assert len(notices) == 1
    assert "not reachable" in notices[0]
    assert f"using {backend.name}" in notices[0] or "extractive" in notices[0]
    backend.close()


def test_auto_falls_back_when_the_model_is_not_pulled(ollama_double: OllamaDouble) -> None:
    ollama_double.models = []
    backend, notices = open_backend("auto", ollama_host=ollama_double.url)
    assert backend.name != "ollama"
    assert "ollama pull qwen2.5:3b" in notices[0]


def test_auto_ends_at_extractive(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_llama(path: str | None = None) -> None:
        raise BackendUnavailable("llama-cpp-python is not installed")

    monkeypatch.setattr(qa.answering.backends, "_open_llama_cpp", no_llama)
    backend, notices = open_backend("auto", ollama_host=down_url())
    assert backend.name == "extractive"
    assert "not reachable" in notices[0]
    assert "extractive" in notices[0]


def test_explicit_ollama_raises(ollama_double: OllamaDouble) -> None:
    with pytest.raises(BackendUnavailable, match="ollama pull mistral"):
        open_backend("ollama:mistral", ollama_host=ollama_double.url)
    with pytest.raises(BackendUnavailable, match="ollama serve"):
        open_backend("ollama:qwen2.5:3b", ollama_host=down_url())


def test_explicit_ollama_with_tagged_model(ollama_double: OllamaDouble) -> None:
    backend, notices = open_backend("ollama:qwen2.5:3b", ollama_host=ollama_double.url)
    assert (backend.name, backend.model, notices) == ("ollama", "qwen2.5:3b", [])


@pytest.mark.parametrize("spec", ["gpt-4", "auto:x", "extractive:x", "", "llama"])
def test_unknown_spec(spec: str) -> None:
    with pytest.raises(ValueError, match="ollama:MODEL"):
        open_backend(spec)


def test_bad_gguf_paths(tmp_path) -> None:
    with pytest.raises(BackendUnavailable, match="no GGUF model file"):
        open_backend(f"llama-cpp:{tmp_path / 'missing.gguf'}")
    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"not a model")
    with pytest.raises(BackendUnavailable, match="not a GGUF"):
        open_backend(f"llama-cpp:{fake}")


def test_packaged_small_models_quote_kazakh_and_other_models_write(tmp_path) -> None:
    from qa.answering.backends.gguf import KNOWN_MODELS
    from qa.answering.backends.llama_cpp import LlamaCppBackend

    for known in KNOWN_MODELS.values():
        packaged = tmp_path / known.filename
        packaged.write_bytes(b"GGUF")
        assert not LlamaCppBackend(packaged).writes_kazakh
    own = tmp_path / "qwen2.5-14b-instruct-q4_k_m.gguf"
    own.write_bytes(b"GGUF")
    assert LlamaCppBackend(own).writes_kazakh


# -- the embedded model ----------------------------------------------------------------


@pytest.mark.llm
def test_llama_cpp_streams_a_kazakh_answer(llama_backend) -> None:
    pieces = list(llama_backend.stream(make_request(max_tokens=48)))
    answer = "".join(pieces).strip()
    assert len(pieces) > 1
    assert answer
    assert llama_backend.model.endswith(".gguf")


@pytest.mark.llm
def test_judge_tells_a_stated_fact_from_a_missing_one(llama_backend) -> None:
    from qa.answering.prompts import answerable_messages

    passages = ["Қазақстан алғаш рет БҰҰ-ның бітімгерлік миссиясына 2014 жылы қатысты."]
    stated = llama_backend.judge(
        answerable_messages("Қазақстан бітімгерлік миссияға алғаш рет қай жылы қатысты?", passages)
    )
    missing = llama_backend.judge(
        answerable_messages("Бітімгерлік миссияның штаб-пәтері қай қалада орналасқан?", passages)
    )
    assert 0.0 <= missing < stated <= 1.0
    # The answer context is separate: judging does not disturb generation.
    assert "".join(llama_backend.stream(make_request(max_tokens=8))).strip()
