"""What the figures of the demo's summary and the busy day's report count: one definition
each, said the same way wherever a figure is printed or saved."""

from __future__ import annotations

#: The figures both reports give, by the name they carry in the JSON.
FIGURES = {
    "served": "tickets finished at a counter (status done), each once: a transferred ticket "
    "at the counter that finished it",
    "no_shows": "tickets still missed at the close: skipped at the counter when nobody came, "
    "and not re-entered",
    "skips": "every skip when nobody came, numbers that came back and re-entered the queue "
    "included (skips = no-shows + re-entries)",
}

#: The demo's table of services.
SERVICES = (
    "each ticket counts once, under the service it was issued for at the kiosk; SERVED and "
    "NO-SHOWS are what became of those tickets, wherever they were finished; TRANSFERRED: how "
    "many of them were sent on to another service (and finished there); waits: every call of "
    "those tickets (a transferred ticket waits twice)"
)


def label(figure: str) -> str:
    """How the text names a figure: ``no_shows`` is "no-shows"."""
    return figure.replace("_", "-")
