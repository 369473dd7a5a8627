from kiosk import ticketing
from kiosk.config import Config
from kiosk.store import Store
from tests.conftest import at


def test_ok__issue_then_call(store: Store, config: Config) -> None:
    issued = ticketing.issue(store, config, "dat-dai", now=at(8), printed=True)
    assert issued.ticket.number == "A001"
    called = ticketing.call_next(store, config, 1, now=at(8, 5))
    assert called.ticket is not None and called.ticket.number == "A001"
