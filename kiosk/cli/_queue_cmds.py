"""Commands that act on the queue: issue, call, recall, skip, done, transfer, pause, resume,
rate, reenter."""

from __future__ import annotations

from kiosk import queue
from kiosk.cli._context import Context
from kiosk.cli._render import clock, status_text


def cmd_status(ctx: Context) -> int:
    snap = queue.snapshot(ctx.store, ctx.config, now=ctx.now())
    ctx.emit(snap, status_text(snap))
    return 0


def cmd_issue(ctx: Context) -> int:
    args = ctx.args
    issued = queue.issue(
        ctx.store, ctx.config, args.service, now=ctx.now(), priority=args.priority, printed=True
    )
    ticket = issued.ticket
    name = ctx.config.service(ticket.service).name
    wait = "unknown" if issued.wait_minutes is None else f"~{issued.wait_minutes} min"
    kind = " (ưu tiên)" if ticket.priority else ""
    ctx.emit(
        issued.to_json(),
        f"{ticket.number}{kind}  {name}: {issued.ahead} ahead, wait {wait}",
    )
    return 0


def cmd_call(ctx: Context) -> int:
    called = queue.call_next(ctx.store, ctx.config, ctx.args.counter, now=ctx.now())
    lines = []
    if called.finished is not None:
        lines.append(f"counter {called.counter}: finished {called.finished.number}")
    if called.ticket is None:
        lines.append(f"counter {called.counter}: no one is waiting")
    else:
        ticket = called.ticket
        kind = " (ưu tiên)" if ticket.priority else ""
        lines.append(
            f"counter {called.counter}: calling {ticket.number}{kind} "
            f"({ctx.config.service(ticket.service).name}), waited "
            f"{int(max(0, ticket.called_at or 0) - ticket.queued_at) // 60} min"
        )
    ctx.emit(called.to_json(), "\n".join(lines))
    return 0


def cmd_recall(ctx: Context) -> int:
    ticket = queue.recall(ctx.store, ctx.config, ctx.args.counter, now=ctx.now())
    ctx.emit(
        ticket.to_json(),
        f"counter {ctx.args.counter}: calling {ticket.number} again (recall {ticket.recalls})",
    )
    return 0


def cmd_skip(ctx: Context) -> int:
    ticket = queue.skip(ctx.store, ctx.config, ctx.args.counter, now=ctx.now())
    ctx.emit(
        ticket.to_json(),
        f"counter {ctx.args.counter}: {ticket.number} did not come; moved to the missed list "
        f"(may re-enter within {ctx.config.queue.missed_tolerance_minutes} min)",
    )
    return 0


def cmd_done(ctx: Context) -> int:
    ticket = queue.done(ctx.store, ctx.config, ctx.args.counter, now=ctx.now())
    minutes = (ticket.service_seconds or 0) / 60
    ctx.emit(
        ticket.to_json(),
        f"counter {ctx.args.counter}: {ticket.number} done after {minutes:.1f} min",
    )
    return 0


def cmd_transfer(ctx: Context) -> int:
    args = ctx.args
    ticket = queue.transfer(ctx.store, ctx.config, args.counter, args.service, now=ctx.now())
    ctx.emit(
        ticket.to_json(),
        f"counter {args.counter}: {ticket.number} sent to "
        f"{ctx.config.service(ticket.service).name} ({ctx.config.queue.transfer_position})",
    )
    return 0


def cmd_pause(ctx: Context) -> int:
    args = ctx.args
    queue.pause(ctx.store, ctx.config, args.counter, args.reason, now=ctx.now())
    reason = f" ({args.reason})" if args.reason else ""
    ctx.emit(
        {"counter": args.counter, "paused": True, "reason": args.reason or None},
        f"counter {args.counter}: paused{reason}",
    )
    return 0


def cmd_resume(ctx: Context) -> int:
    queue.resume(ctx.store, ctx.config, ctx.args.counter, now=ctx.now())
    ctx.emit({"counter": ctx.args.counter, "paused": False}, f"counter {ctx.args.counter}: resumed")
    return 0


def cmd_rate(ctx: Context) -> int:
    args = ctx.args
    rating = queue.rate(
        ctx.store, ctx.config, args.counter, args.choice, now=ctx.now(), ticket_number=args.ticket
    )
    ctx.emit(
        rating.to_json(),
        f"counter {args.counter}: {rating.ticket.number} rated {rating.choice} ({rating.label})",
    )
    return 0


def cmd_reenter(ctx: Context) -> int:
    ticket = queue.reenter(ctx.store, ctx.config, ctx.args.number, now=ctx.now())
    ctx.emit(
        ticket.to_json(),
        f"{ticket.number} is back in the queue for {ctx.config.service(ticket.service).name} "
        f"(at {clock(ctx.config, ctx.now())})",
    )
    return 0
