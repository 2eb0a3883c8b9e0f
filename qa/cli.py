"""The `kenes` command line. Each command mirrors a function of the Python API."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from qa.config import DEFAULT_ANSWER_K, DEFAULT_COMPOSE, DEFAULT_LLM, DEFAULT_MODE, DEFAULT_SEARCH_K
from qa.errors import user_errors

app = typer.Typer(
    help="Kenes (кеңес): ask questions about Kazakh documents, answered with checked citations.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True, soft_wrap=True)  # one-line errors stay one line

IndexOption = Annotated[
    Path | None, typer.Option("--index", help="Index folder (default: the user data folder).")
]
ModeOption = Annotated[str, typer.Option("--mode", help="Retrieval: hybrid, dense or bm25.")]
ComposeOption = Annotated[
    str,
    typer.Option(
        "--compose",
        help="How the answer is written: generate (the model), quote (the best sentences, "
        "translated for ru/en), or auto (quote Kazakh answers when the model is the small "
        "embedded one).",
    ),
]


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Known problems become one clear line on stderr and exit code 1, never a traceback."""
    try:
        yield
    except KeyboardInterrupt:
        err.print("[yellow]Interrupted.[/]")
        raise typer.Exit(130) from None
    except user_errors() as exc:
        err.print(f"[bold red]Error:[/] {escape(str(exc))}")
        raise typer.Exit(1) from None
    except (ValueError, FileNotFoundError) as exc:
        err.print(f"[bold red]Error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None


@contextmanager
def progress_bar() -> Iterator[Callable[[str, int, int], None]]:
    """A rich progress bar fed by the index builder's (stage, done, total) reports."""
    columns = (
        TextColumn("{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=False) as progress:
        tasks: dict[str, Any] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=max(total, 1))
            progress.update(tasks[stage], completed=done, total=max(total, 1))

        yield report


@app.callback(invoke_without_command=True)
def main_callback(ctx: typer.Context) -> None:
    """With no command, open the chat."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(chat)


@app.command()
def index(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files or folders to index (.txt .md .pdf .docx). Default: corpus/."),
    ] = None,
    index_dir: IndexOption = None,
    model: Annotated[
        str | None, typer.Option(help="Embedding model: a local folder or a cached hub id.")
    ] = None,
    faiss_kind: Annotated[str, typer.Option("--faiss", help="flat, hnsw or ivf.")] = "flat",
) -> None:
    """Build or update the search index (only new or changed passages are embedded)."""
    from qa.retrieval.corpus import load_sources
    from qa.retrieval.index import Index

    with friendly_errors():
        sources = [str(p.resolve()) for p in paths or []]
        report = load_sources(sources)
        for path, reason in report.skipped:
            err.print(f"[yellow]Skipped[/] {escape(path)}: {escape(reason)}")
        if not report.documents:
            raise ValueError("no readable documents to index")
        started = time.perf_counter()
        with progress_bar() as progress:
            built = Index.build(
                report.documents,
                index_dir,
                model=model,
                faiss_kind=faiss_kind,
                sources=sources,
                progress=progress,
            )
        seconds = time.perf_counter() - started
        console.print(
            f"Indexed {built.describe()} in {seconds:.1f} s "
            f"({built.embedded_count} passages embedded, the rest reused) → {built.folder}"
        )


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="The question or keywords, in any script.")],
    k: Annotated[int, typer.Option("-k", help="How many passages.")] = DEFAULT_SEARCH_K,
    mode: ModeOption = DEFAULT_MODE,
    index_dir: IndexOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Search the index and print the best passages."""
    from qa.retrieval.index import ensure_index

    with friendly_errors():
        with progress_bar() as progress:
            opened = ensure_index(index_dir, progress=progress, notify=err.print)
        results = opened.search(query, k=k, mode=mode)
        if as_json:
            print(json.dumps([p.to_dict() for p in results], ensure_ascii=False, indent=2))
            return
        if not results:
            console.print("No passage matches.")
        table = Table(show_lines=True)
        table.add_column("#", justify="right")
        table.add_column("score", justify="right")
        table.add_column("document")
        table.add_column("passage")
        for rank, passage in enumerate(results, 1):
            snippet = passage.text[:300] + ("…" if len(passage.text) > 300 else "")
            table.add_row(str(rank), f"{passage.score:.3f}", escape(passage.title), escape(snippet))
        console.print(table)


@app.command()
def ask(
    question: Annotated[
        str, typer.Argument(help="The question: Kazakh (any script), Russian or English.")
    ],
    llm: Annotated[
        str, typer.Option("--llm", help="auto, ollama[:MODEL], llama-cpp[:PATH.gguf], extractive.")
    ] = DEFAULT_LLM,
    k: Annotated[int, typer.Option("-k", help="Passages to retrieve.")] = DEFAULT_ANSWER_K,
    mode: ModeOption = DEFAULT_MODE,
    compose: ComposeOption = DEFAULT_COMPOSE,
    index_dir: IndexOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the Answer as JSON.")] = False,
) -> None:
    """Answer a question from the documents, streaming, then list the cited passages."""
    from qa.answering.assistant import Assistant
    from qa.retrieval.index import ensure_index
    from qa.retrieval.query import prepare_query
    from qa.types import Answer

    with friendly_errors():
        prepare_query(question)  # an empty question is refused before any model loads
        with progress_bar() as progress:
            opened = ensure_index(index_dir, progress=progress, notify=err.print)
        assistant = Assistant(opened, llm=llm, k=k, mode=mode, compose=compose)
        for notice in assistant.notices:
            err.print(f"[yellow]{escape(notice)}[/]")
        if not as_json:
            err.print(f"[dim]{assistant.backend.name} · {escape(assistant.backend.model)}[/]")
        answer = None
        for piece in assistant.stream(question):
            if isinstance(piece, Answer):
                answer = piece
            elif not as_json:
                console.print(piece, end="", markup=False, highlight=False)
        assert answer is not None
        if as_json:
            print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
            return
        console.print()
        for notice in assistant.answer_notices(answer):  # why the checked text differs
            err.print(f"[yellow]{escape(notice)}[/]")
        _print_checked_answer(answer)


def _print_checked_answer(answer: Any) -> None:
    """The checked answer (marks fixed) and the passages its citations point at."""
    console.rule("checked answer", style="dim")
    console.print(escape(answer.text))
    for citation in answer.citations:
        console.print(
            f"\n[bold][{citation.n}][/] {escape(citation.title)} [dim]({escape(citation.origin)}, "
            f"chars {citation.start}-{citation.end}, support {citation.support:.2f})[/]"
        )
        console.print(f"    «{escape(citation.quote)}»")
    if answer.unsupported:
        err.print(f"[yellow]{len(answer.unsupported)} unsupported sentence(s) left out[/]")
    t = answer.timings
    first = f"{t.first_token_ms / 1000:.1f} s" if t.first_token_ms else "-"
    err.print(
        f"[dim]retrieval {t.retrieval_ms:.0f} ms · first token {first} · "
        f"total {t.total_ms / 1000:.1f} s[/]"
    )


@app.command()
def translit(
    to: Annotated[str, typer.Option("--to", help="cyrl, arab or latn.")] = "cyrl",
) -> None:
    """Transliterate Kazakh text read from stdin (Arabic/Latin/Cyrillic scripts)."""
    from qa.text.transliterate import transliterate

    with friendly_errors():
        sys.stdout.write(transliterate(sys.stdin.read(), to=to))


@app.command()
def models() -> None:
    """Prepare the embedded models (embedding model and GGUF LLM) in the cache folder."""
    from qa.setup_models import prepare_models

    with friendly_errors():
        for name, path in prepare_models(progress=err.print).items():
            console.print(f"{name}: {path}")


@app.command()
def chat(
    llm: Annotated[
        str, typer.Option("--llm", help="auto, ollama[:MODEL], llama-cpp[:PATH], extractive.")
    ] = DEFAULT_LLM,
    compose: ComposeOption = DEFAULT_COMPOSE,
    index_dir: IndexOption = None,
) -> None:
    """Open the chat in the terminal."""
    from qa.tui.app import run_chat

    with friendly_errors():
        run_chat(llm=llm, compose=compose, index_dir=index_dir)


@app.command("eval")
def eval_command(
    gold: Annotated[
        Path | None,
        typer.Option("--gold", help="Gold questions (JSONL). Default: corpus/gold.jsonl."),
    ] = None,
    index_dir: IndexOption = None,
    corpus: Annotated[
        Path | None,
        typer.Option(
            "--corpus",
            help="Evaluate over this corpus instead of the default index: a passages JSONL "
            "(id, title, text; origin = id; its index is cached by file hash in the user data "
            "folder) or files/a folder (indexed into --index, else a temporary folder).",
        ),
    ] = None,
    llm: Annotated[
        str, typer.Option("--llm", help="auto, ollama[:MODEL], llama-cpp[:PATH.gguf], extractive.")
    ] = DEFAULT_LLM,
    mode: ModeOption = DEFAULT_MODE,
    k: Annotated[
        int, typer.Option("-k", help="Passages retrieved for the generator.")
    ] = DEFAULT_ANSWER_K,
    compose: ComposeOption = DEFAULT_COMPOSE,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write one JSON row per question here.")
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write a Markdown report with every failure.")
    ] = None,
    compare_spec: Annotated[
        str | None,
        typer.Option(
            "--compare",
            help="Compare configurations on the same questions: comma-separated, each KEY=VALUE "
            "(KEY: mode, llm, model, k, retrieval_k, compose; join several with +), e.g. "
            "'mode=dense,mode=bm25,mode=hybrid', 'llm=extractive,llm=llama-cpp', "
            "'compose=generate,compose=auto', "
            "'model=multilingual-e5-small,model=/path/to/model' (each model gets its own "
            "cached index) or 'mode=dense+k=6,mode=hybrid'. --out/--report files get the "
            "configuration in their name.",
        ),
    ] = None,
    chart: Annotated[
        Path | None,
        typer.Option("--chart", help="Bar chart PNG of --compare (default: eval-compare.png)."),
    ] = None,
    retrieval_only: Annotated[
        bool, typer.Option("--retrieval-only", help="Score retrieval only; skip generation.")
    ] = False,
    limit: Annotated[
        int | None, typer.Option("--limit", help="Only the first N questions.")
    ] = None,
) -> None:
    """Measure retrieval, answers, refusals and citations on gold questions."""
    import qa.evaluation as evaluation

    with friendly_errors():
        common: dict[str, Any] = {
            "index_dir": index_dir,
            "corpus": corpus,
            "llm": llm,
            "mode": mode,
            "k": k,
            "compose": compose,
            "out": out,
            "report": report,
            "retrieval_only": retrieval_only,
            "limit": limit,
        }
        if compare_spec:
            configs = evaluation.parse_compare(compare_spec)
            chart = chart or Path("eval-compare.png")
            with progress_bar() as progress:
                cards = evaluation.compare(configs, gold, chart=chart, progress=progress, **common)
            for card in cards:
                evaluation.print_scorecard(card, console)
            console.print(evaluation.comparison_table(cards))
            console.print(f"Chart: {chart}")
        else:
            with progress_bar() as progress:
                card = evaluation.evaluate(gold, progress=progress, **common)
            cards = [card]
            evaluation.print_scorecard(card, console)
        for notice in dict.fromkeys(n for c in cards for n in c.settings.get("notices", [])):
            err.print(f"[yellow]{escape(notice)}[/]")
        each = " (one file per configuration)" if compare_spec else ""
        if out:
            console.print(f"Rows: {out}{each}")
        if report:
            console.print(f"Report: {report}{each}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
