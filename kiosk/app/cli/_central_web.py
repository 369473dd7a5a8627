"""``kiosk central web [--host H] [--port P]``: the province's pages, served by uvicorn."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from kiosk.app.context import Context
from kiosk.app.exits import CONFIG, UNAVAILABLE, USAGE, CommandError
from kiosk.config import CentralConfig

log = logging.getLogger("kiosk")


def central_web(ctx: Context, config: CentralConfig, open_store: Callable[..., Any]) -> int:
    if ctx.args.target:
        raise CommandError(f"kiosk central web: unexpected {ctx.args.target[0]!r}", USAGE)
    try:
        import uvicorn

        from kiosk.app.central_web.app import make_app
    except ImportError as exc:
        raise CommandError(
            f"kiosk central web needs the central extra ({exc.name} is missing): "
            "pip install 'kiosk[central]'",
            CONFIG,
        ) from None
    from kiosk.app.daemons import setup_logging

    host = ctx.args.host or config.web_host
    port = ctx.args.port or config.web_port
    setup_logging()
    store = open_store(config)
    app = make_app(config, store)
    log.info("central web: http://%s:%d/ on %s", host, port, config.db.split("@")[-1])
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            proxy_headers=True,
            server_header=False,
            timeout_graceful_shutdown=2,
        )
    )
    try:
        server.run()
    except OSError as exc:
        raise CommandError(
            f"central web: cannot listen on {host}:{port}: {exc}", UNAVAILABLE
        ) from None
    finally:
        store.close()
    if not server.started:
        raise CommandError(f"central web: cannot listen on {host}:{port}", UNAVAILABLE)
    return 0
