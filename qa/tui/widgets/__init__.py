"""The chat's widgets: messages, sources panel, status bar, prompt, indexing panel."""

from qa.tui.widgets.chat import AnswerMessage, ChatLog, QuestionMessage, Welcome
from qa.tui.widgets.indexing import IndexingPanel
from qa.tui.widgets.prompt import PromptInput
from qa.tui.widgets.sources import SourcesPanel
from qa.tui.widgets.status import StatusBar

__all__ = [
    "AnswerMessage",
    "ChatLog",
    "IndexingPanel",
    "PromptInput",
    "QuestionMessage",
    "SourcesPanel",
    "StatusBar",
    "Welcome",
]
