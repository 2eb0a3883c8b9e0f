"""The whole source document, scrolled to the cited passage with the quote highlighted."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Static

from qa.tui.render import Source, document_view

QUOTE_STYLE = "bold $text-warning on $warning 25%"


def heading(source: Source) -> Content:
    document = source.document
    facts = [source.date, source.origin]
    if document is not None:
        facts += [document.publisher, ", ".join(document.authors)]
    return Content.assemble(
        (f"[{source.n}] ", "bold $accent"),
        (source.title, "bold"),
        "\n",
        (" · ".join(f for f in facts if f), "$text-muted"),
    )


class DocumentScreen(Screen[None]):
    """Opened from a citation; Esc goes back to the chat."""

    BINDINGS = [
        Binding("escape,q", "close", "Back"),
        Binding("t,ctrl+t", "toggle_script", "Script"),
        Binding("p", "show_passage", "Passage"),
        Binding("ctrl+y", "copy_quote", "Copy quote"),
    ]

    cyrillic: reactive[bool] = reactive(False, init=False)

    def __init__(self, source: Source, cyrillic: bool = False) -> None:
        super().__init__()
        self.source = source
        self.set_reactive(DocumentScreen.cyrillic, cyrillic and source.is_arabic)

    def compose(self) -> ComposeResult:
        yield Static(heading(self.source), id="document-heading")
        with VerticalScroll(id="document-scroll"):
            yield Static(id="document-before", markup=False)
            yield Static(id="document-passage", markup=False)
            yield Static(id="document-after", markup=False)
        yield Static(id="document-script")
        yield Footer()

    def on_mount(self) -> None:
        self._render_text()
        self.query_one("#document-scroll").focus()
        self.call_after_refresh(self.action_show_passage)

    def _render_text(self) -> None:
        view = document_view(self.source, self.cyrillic)
        self.query_one("#document-before", Static).update(view.before.rstrip())
        self.query_one("#document-passage", Static).update(
            Content.assemble(
                view.passage.before, (view.passage.marked, QUOTE_STYLE), view.passage.after
            )
        )
        self.query_one("#document-after", Static).update(view.after.lstrip())
        self.query_one("#document-before").display = bool(view.before.strip())
        self.query_one("#document-after").display = bool(view.after.strip())
        self.query_one("#document-script", Static).update(self._script_line())

    def _script_line(self) -> str:
        if not self.source.is_arabic:
            return ""
        shown = "Cyrillic (transliterated)" if self.cyrillic else "the original Arabic script"
        return f"Arabic-script document, shown in {shown} · press t to switch"

    def action_show_passage(self) -> None:
        passage = self.query_one("#document-passage")
        self.query_one("#document-scroll", VerticalScroll).scroll_to_center(
            passage, animate=False, immediate=True
        )

    def action_toggle_script(self) -> None:
        if not self.source.is_arabic:
            self.notify("This document is written in Cyrillic: nothing to transliterate.")
            return
        self.cyrillic = not self.cyrillic

    def watch_cyrillic(self) -> None:
        self._render_text()
        self.call_after_refresh(self.action_show_passage)

    def action_copy_quote(self) -> None:
        self.app.copy_to_clipboard(self.source.citation.quote)
        self.notify("The quote is copied to the clipboard.")

    def action_close(self) -> None:
        self.dismiss()
