"""The sources panel: the passages one answer cites, the supporting quote highlighted.

↑/↓ selects a citation (its `[n]` mark in the answer is highlighted too); Enter or a
click opens the whole document at the passage.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from qa.tui.render import Source, in_script, quote_in_context

EMPTY = "The sources of an answer appear here. Click a [n] mark, or press F2."


def source_card(source: Source, cyrillic: bool) -> Content:
    """`[n] title` / `date · origin` / the quote in its passage, highlighted."""
    document = source.document
    context = quote_in_context(source)
    facts = " · ".join(part for part in (source.date, source.origin) if part)
    script = " · Arabic script" + (" (shown in Cyrillic)" if cyrillic else "")
    return Content.assemble(
        (f"[{source.n}] ", "bold $accent"),
        (source.title, "bold"),
        "\n",
        (facts + (script if source.is_arabic else ""), "$text-muted"),
        "\n",
        (in_script(context.before, document, cyrillic), "$text-muted"),
        (in_script(context.marked, document, cyrillic), "bold $text-warning on $warning 15%"),
        (in_script(context.after, document, cyrillic), "$text-muted"),
    )


class SourcesPanel(Vertical):
    BORDER_TITLE = "Sources"

    class SourceHighlighted(Message):
        def __init__(self, source: Source) -> None:
            super().__init__()
            self.source = source

    class SourceOpened(Message):
        def __init__(self, source: Source) -> None:
            super().__init__()
            self.source = source

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.sources: list[Source] = []
        self.cyrillic = False

    def compose(self) -> ComposeResult:
        yield Static(EMPTY, id="sources-empty", markup=False)
        yield OptionList(id="source-list")

    @property
    def option_list(self) -> OptionList:
        return self.query_one("#source-list", OptionList)

    def show(self, sources: Sequence[Source], cyrillic: bool | None = None) -> None:
        """List `sources` (replacing what was shown), keeping the highlighted one if any."""
        if cyrillic is not None:
            self.cyrillic = cyrillic
        keep = self.highlighted_source()
        self.sources = list(sources)
        options: list[Option | None] = []
        for i, source in enumerate(self.sources):
            if i:
                options.append(None)  # a separator line
            options.append(Option(source_card(source, self.cyrillic), id=f"cite-{source.n}"))
        self.option_list.set_options(options)
        self.query_one("#sources-empty").display = not self.sources
        self.option_list.display = bool(self.sources)
        if keep is not None:
            self.highlight(keep.n)

    def highlight(self, n: int) -> None:
        option_list = self.option_list
        for index in range(option_list.option_count):
            if option_list.get_option_at_index(index).id == f"cite-{n}":
                option_list.highlighted = index
                return

    def highlighted_source(self) -> Source | None:
        option = self.option_list.highlighted_option
        return self._source(option.id) if option else None

    def _source(self, option_id: str | None) -> Source | None:
        return next((s for s in self.sources if f"cite-{s.n}" == option_id), None)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        source = self._source(event.option.id)
        if source is not None:
            self.post_message(self.SourceHighlighted(source))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        source = self._source(event.option.id)
        if source is not None:
            self.post_message(self.SourceOpened(source))

    def focus_list(self) -> bool:
        """Focus the list (highlighting the first source); False when there is none."""
        if not self.sources:
            return False
        if self.option_list.highlighted is None:
            self.option_list.highlighted = 0
        self.option_list.focus()
        return True
