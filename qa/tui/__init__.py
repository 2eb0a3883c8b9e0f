"""`kenes chat`: the terminal chat (Textual) over the index, with live citations.

qa/tui/app.py        KenesApp and run_chat(): workers, keys, conversations
qa/tui/render.py     pure text helpers (citation links, excerpts, timings)
qa/tui/widgets/      chat log and messages, sources panel, status bar, prompt, indexing
qa/tui/screens/      document viewer, help, conversation list
qa/tui/kenes.tcss    the styles
"""
