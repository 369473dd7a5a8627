"""Commands that act on the queue: issue, call, recall, skip, done, transfer, pause, resume,
rate, reenter."""

from __future__ import annotations

from kiosk import ticketing
from kiosk.app.context import Context
from kiosk.app.render import clock, named, status_text


def cmd_status(ctx: Context) -> int:
    snap = ticketing.snapshot(ctx.store, ctx.config, now=ctx.now())
    ctx.emit(snap, status_text(snap))
    return 0


def cmd_issue(ctx: Context) -> int:
    args = ctx.args
    issued = ticketing.issue(
        ctx.store, ctx.config, args.service, now=ctx.now(), priority=args.priority, printed=True
    )
    ahead = {0: "no one ahead", 1: "1 person ahead"}.get(
        issued.ahead, f"{issued.ahead} people ahead"
    )
    wait = {None: "the wait is not known yet", 0: "no wait"}.get(
        issued.wait_minutes, f"about {issued.wait_minutes} min to wait"
    )
    ctx.emit(issued.to_json(), f"Issued {named(ctx.config, issued.ticket)}: {ahead}, {wait}.")
    return 0


def cmd_call(ctx: Context) -> int:
    called = ticketing.call_next(ctx.store, ctx.config, ctx.args.counter, now=ctx.now())
    counter, finished, ticket = called.counter, called.finished, called.ticket
    # One sentence, as every queue command answers.
    if ticket is None:
        text = (
            f"No one is waiting for counter {counter}."
            if finished is None
            else f"Counter {counter} finished {finished.number}; no one else is waiting for it."
        )
    else:
        minutes = int(max(0, ticket.called_at or 0) - ticket.queued_at) // 60
        waited = f"it waited {minutes} min" if minutes else "it waited under a minute"
        done = "" if finished is None else f"finished {finished.number} and "
        text = f"Counter {counter} {done}is calling {named(ctx.config, ticket)}; {waited}."
    ctx.emit(called.to_json(), text)
    return 0


def cmd_recall(ctx: Context) -> int:
    ticket = ticketing.recall(ctx.store, ctx.config, ctx.args.counter, now=ctx.now())
    ctx.emit(
        ticket.to_json(),
        f"Counter {ctx.args.counter} is calling {ticket.number} again (recall {ticket.recalls}).",
    )
    return 0


def cmd_skip(ctx: Context) -> int:
    ticket = ticketing.skip(ctx.store, ctx.config, ctx.args.counter, now=ctx.now())
    ctx.emit(
        ticket.to_json(),
        f"{ticket.number} did not come to counter {ctx.args.counter} and is on the missed "
        f"list; it may re-enter within {ctx.config.queue.missed_tolerance_minutes} min.",
    )
    return 0


def cmd_done(ctx: Context) -> int:
    ticket = ticketing.done(ctx.store, ctx.config, ctx.args.counter, now=ctx.now())
    minutes = (ticket.service_seconds or 0) / 60
    ctx.emit(
        ticket.to_json(),
        f"Counter {ctx.args.counter} finished {ticket.number} in {minutes:.1f} min.",
    )
    return 0


def cmd_transfer(ctx: Context) -> int:
    args = ctx.args
    ticket = ticketing.transfer(ctx.store, ctx.config, args.counter, args.service, now=ctx.now())
    ctx.emit(
        ticket.to_json(),
        f"Counter {args.counter} sent {ticket.number} to "
        f"{ctx.config.service(ticket.service).name}, at the "
        f"{ctx.config.queue.transfer_position} of its queue.",
    )
    return 0


def cmd_pause(ctx: Context) -> int:
    args = ctx.args
    ticketing.pause(ctx.store, ctx.config, args.counter, args.reason, now=ctx.now())
    reason = f" ({args.reason})" if args.reason else ""
    ctx.emit(
        {"counter": args.counter, "paused": True, "reason": args.reason or None},
        f"Counter {args.counter} is paused{reason}.",
    )
    return 0


def cmd_resume(ctx: Context) -> int:
    ticketing.resume(ctx.store, ctx.config, ctx.args.counter, now=ctx.now())
    ctx.emit(
        {"counter": ctx.args.counter, "paused": False}, f"Counter {ctx.args.counter} is open again."
    )
    return 0


def cmd_rate(ctx: Context) -> int:
    args = ctx.args
    rating = ticketing.rate(
        ctx.store, ctx.config, args.counter, args.choice, now=ctx.now(), ticket_number=args.ticket
    )
    ctx.emit(
        rating.to_json(),
        f"Counter {args.counter} was rated {rating.choice} ({rating.label}) "
        f"for {rating.ticket.number}.",
    )
    return 0


def cmd_reenter(ctx: Context) -> int:
    ticket = ticketing.reenter(ctx.store, ctx.config, ctx.args.number, now=ctx.now())
    ctx.emit(
        ticket.to_json(),
        f"{ticket.number} re-entered the queue for {ctx.config.service(ticket.service).name} "
        f"at {clock(ctx.config, ctx.now())}.",
    )
    return 0
