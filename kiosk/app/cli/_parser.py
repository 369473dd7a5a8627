"""The command line, as the design's CLI contract lists it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from kiosk import __version__, freetext
from kiosk.app import exits


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One clear line instead of the usage block.
        print(f"{self.prog}: error: {message} (see '{self.prog} --help')", file=sys.stderr)
        raise SystemExit(exits.USAGE)


def counter_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"counter must be a number, not {text!r}") from None
    if not 1 <= value <= 999:
        raise argparse.ArgumentTypeError(f"counter must be from 1 to 999, not {value}")
    return value


def port_number(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"port must be a number from 1 to 65535, not {text!r}")
    return int(text)


def rating_choice(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 9:
        raise argparse.ArgumentTypeError(f"rating must be a number from 1 to 9, not {text!r}")
    return int(text)


def free_text(limit: int, *, one_line: bool = False) -> Callable[[str], str]:
    """Text typed on the command line, by the rule config.toml and central's messages go
    through (:mod:`kiosk.freetext`); ``one_line`` joins its lines with spaces first."""

    def parse(text: str) -> str:
        try:
            return freetext.one_line(text, limit) if one_line else freetext.clean(text, limit)
        except freetext.BadText as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def size_argument(text: str) -> tuple[int, int]:
    """``--size 1920x1080``."""
    from kiosk.config import resolution

    try:
        size = resolution(text) if text != "native" else None
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).replace('"native" or ', "")) from None
    if size is None:
        raise argparse.ArgumentTypeError('must be WIDTHxHEIGHT like "1920x1080"')
    return size


NOTICE_TEXT = free_text(freetext.MAX_NOTICE, one_line=True)


def actions(parser: argparse.ArgumentParser, dest: str) -> argparse._SubParsersAction[Parser]:
    """A command's required sub-commands (``config check``, ``voice build``, ...)."""
    found = parser.add_subparsers(dest=dest, metavar="ACTION", parser_class=Parser)
    found.required = True
    return found


def build_parser(command: str | None = None) -> Parser:
    """The whole command line; with ``command``, only that command's sub-parser beside the
    global options (what a valid ``kiosk COMMAND ...`` needs: each sub-parser costs its
    making, about a millisecond, on every start)."""
    common = Parser(add_help=False)
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output"
    )
    parser = Parser(
        prog="kiosk",
        description="Queue-and-kiosk controller for public administrative service centres.",
        parents=[common],
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="main config file (default $KIOSK_CONFIG or "
        "/etc/kiosk/config.toml; drop-ins from config.d/ beside it)",
    )
    parser.add_argument("--db", metavar="PATH", help="SQLite file (default: store.path)")
    parser.add_argument(
        "--version", action="version", version=f"kiosk {__version__}", help="print the version"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True
    for name, (help_text, fill) in COMMANDS.items():
        if command in (None, name):
            fill(
                commands.add_parser(name, help=help_text, parents=[common], description=help_text),
                common,
            )
    return parser


# Global options that take a value: what follows them is no command.
_VALUED = ("--config", "--db")


def command_in(argv: Sequence[str]) -> str | None:
    """The command ``argv`` runs, if it names one before anything that needs the whole
    command line (``--help``, ``--version``, an unknown word: their answers list every
    command); else None."""
    args = iter(argv)
    for arg in args:
        if arg in _VALUED:
            next(args, None)
        elif arg.startswith(tuple(f"{option}=" for option in _VALUED)) or arg == "--json":
            continue
        else:
            return arg if arg in COMMANDS else None
    return None


def _nothing(parser: argparse.ArgumentParser, common: Parser) -> None:
    pass


def _config(parser: argparse.ArgumentParser, common: Parser) -> None:
    config_commands = actions(parser, "config_command")
    config_commands.add_parser("check", help="validate the configuration", parents=[common])


def _issue(parser: argparse.ArgumentParser, common: Parser) -> None:
    parser.add_argument("service", metavar="SERVICE", help="service id")
    parser.add_argument("--priority", action="store_true", help="priority ticket (ưu tiên)")


def _at_counter(parser: argparse.ArgumentParser, common: Parser) -> None:
    parser.add_argument("counter", metavar="COUNTER", type=counter_number)


def _transfer(parser: argparse.ArgumentParser, common: Parser) -> None:
    parser.add_argument("counter", metavar="COUNTER", type=counter_number)
    parser.add_argument("service", metavar="SERVICE", help="target service id")


def _pause(parser: argparse.ArgumentParser, common: Parser) -> None:
    parser.add_argument("counter", metavar="COUNTER", type=counter_number)
    parser.add_argument(
        "--reason",
        default="",
        type=free_text(freetext.MAX_REASON),
        help=f"why (shown to supervisors; at most {freetext.MAX_REASON} characters)",
    )


def _rate(parser: argparse.ArgumentParser, common: Parser) -> None:
    parser.add_argument("counter", metavar="COUNTER", type=counter_number)
    parser.add_argument(
        "choice",
        metavar="CHOICE",
        type=rating_choice,
        help="1 = the first of ratings.labels (Rất hài lòng), 2 the second, ...",
    )
    parser.add_argument(
        "--ticket", metavar="NUMBER", help="the ticket meant (refused if it is not that one)"
    )


def _reenter(parser: argparse.ArgumentParser, common: Parser) -> None:
    parser.add_argument("number", metavar="NUMBER", help="ticket number, e.g. A023")


def _ticket(parser: argparse.ArgumentParser, common: Parser) -> None:
    parser.add_argument("service", metavar="SERVICE", help="service id")
    parser.add_argument("--out", required=True, metavar="FILE.bin", help="ESC/POS bytes")
    parser.add_argument("--png", metavar="FILE.png", help="preview of the printed ticket")
    parser.add_argument("--priority", action="store_true", help="priority ticket (ưu tiên)")


def _printer(parser: argparse.ArgumentParser, common: Parser) -> None:
    printer_commands = actions(parser, "printer_command")
    printer_commands.add_parser("test", help="print a test page", parents=[common])
    printer_commands.add_parser("status", help="ask for paper and cover status", parents=[common])


def _say(parser: argparse.ArgumentParser, common: Parser) -> None:
    parser.add_argument("number", metavar="NUMBER", help="ticket number, e.g. A023 or 1023")
    parser.add_argument("counter", metavar="COUNTER", type=counter_number)
    parser.add_argument("--words", action="store_true", help="print the sentence only")
    parser.add_argument("--wav", metavar="FILE", help="write the announcement to a WAV file")
    parser.add_argument("--pack", metavar="DIR", help="voice pack folder (default voice.pack)")


def _voice(parser: argparse.ArgumentParser, common: Parser) -> None:
    voice_commands = actions(parser, "voice_command")
    build = voice_commands.add_parser(
        "build", help="generate the clips with espeak-ng (Vietnamese)", parents=[common]
    )
    build.add_argument("--out", metavar="DIR", help="folder (default voice.pack)")


def _display(parser: argparse.ArgumentParser, common: Parser) -> None:
    display_commands = actions(parser, "display_command")
    snapshot = display_commands.add_parser(
        "snapshot", help="render the screen as it is now to a PNG", parents=[common]
    )
    snapshot.add_argument("--role", choices=["wall", "lookup"], default="wall", help="which screen")
    snapshot.add_argument("--out", required=True, metavar="FILE.png")
    snapshot.add_argument(
        "--size",
        type=size_argument,
        metavar="WxH",
        help="picture size (default display.resolution or lookup.resolution, turned by "
        "the screen's rotation)",
    )
    snapshot.add_argument(
        "--code",
        metavar="CODE",
        help="lookup: the screen as a scan of CODE would show it (nothing changes)",
    )
    snapshot.add_argument(
        "--procedure",
        metavar="CODE",
        help="lookup: the catalogue's page of the procedure CODE (its papers, where to submit)",
    )
    snapshot.add_argument(
        "--search",
        metavar="TEXT",
        type=free_text(100, one_line=True),
        help="lookup: the catalogue's search results for TEXT",
    )


def _scan(parser: argparse.ArgumentParser, common: Parser) -> None:
    parser.add_argument("code", metavar="CODE", help="a dossier code, or a ticket's QR text")


def _dossiers(parser: argparse.ArgumentParser, common: Parser) -> None:
    dossier_commands = actions(parser, "dossiers_command")
    load = dossier_commands.add_parser(
        "import", help="add or update dossiers from a JSON Lines file", parents=[common]
    )
    load.add_argument("file", metavar="FILE.jsonl", help='one dossier per line; "-" reads stdin')
    purge = dossier_commands.add_parser(
        "purge", help="delete dossiers returned long ago", parents=[common]
    )
    purge.add_argument(
        "--days",
        type=int,
        metavar="N",
        help="returned more than N days ago (default dossiers.purge_after_days)",
    )


def _procedures(parser: argparse.ArgumentParser, common: Parser) -> None:
    procedure_commands = actions(parser, "procedures_command")
    load = procedure_commands.add_parser(
        "import",
        help="add or update procedures from a JSON Lines file (the national portal's "
        "field names or this project's format)",
        parents=[common],
    )
    load.add_argument("file", metavar="FILE.jsonl", help='one procedure per line; "-" reads stdin')
    search = procedure_commands.add_parser(
        "search", help="find procedures as the look-up screen does (ranked)", parents=[common]
    )
    search.add_argument(
        "text", metavar="TEXT", type=free_text(100, one_line=True), help="words or a code"
    )
    show = procedure_commands.add_parser(
        "show", help="a procedure in full, and where it is submitted here", parents=[common]
    )
    show.add_argument("code", metavar="CODE", help="its code, national or the province's")
    checklist = procedure_commands.add_parser(
        "checklist",
        help="the list of papers to bring, as the exact printer bytes (+ PNG preview)",
        parents=[common],
    )
    checklist.add_argument("code", metavar="CODE", help="its code, national or the province's")
    checklist.add_argument("--out", required=True, metavar="FILE.bin", help="ESC/POS bytes")
    checklist.add_argument("--png", metavar="FILE.png", help="preview of the printed list")


def _notice(parser: argparse.ArgumentParser, common: Parser) -> None:
    parser.add_argument(
        "text",
        nargs="?",
        default="",
        metavar="TEXT",
        type=NOTICE_TEXT,
        help=f'the notice (at most {freetext.MAX_NOTICE} characters); "" or nothing goes '
        "back to display.notice",
    )
    parser.add_argument("--minutes", type=float, help="only for this long")


def _run(parser: argparse.ArgumentParser, common: Parser) -> None:
    parser.add_argument(
        "daemon",
        choices=["kiosk", "counter", "display", "scanner", "sync"],
        help="kiosk: ticket buttons and printer; counter: counter keys and rating keys; "
        "display: a screen (with --role) and, for the wall, the voice; scanner: the "
        "barcode scanners; sync: the MQTT link to central",
    )
    parser.add_argument(
        "--role",
        choices=["wall", "lookup", "both"],
        help="display: which screen (wall: called numbers; lookup: scan results; both: the "
        "two from one process, as KMSDRM on a Pi needs)",
    )
    parser.add_argument(
        "--counter",
        dest="counters",
        metavar="N",
        type=counter_number,
        action="append",
        help="counter: only these counters (repeat the option; default every counter with keys)",
    )


def _central(parser: argparse.ArgumentParser, common: Parser) -> None:
    parser.add_argument(
        "action",
        nargs="?",
        default="run",
        choices=["run", "report", "dossiers", "procedures", "command", "user", "web"],
        help="run: store every site's events once and ack them (default); report: a site's "
        "day; dossiers FILE.jsonl: publish dossier updates to a site; procedures FILE.jsonl: "
        "publish the procedure catalogue to a site (--site) or every site (--all); command "
        "DEVICE CMD: send a command (call_next, recall, notice, reprint, resync_dossiers, "
        "resync_procedures); user add|passwd|remove NAME: the accounts of central's web pages; "
        "web: the province's pages (overview, a site's day, reports, management)",
    )
    parser.add_argument(
        "target", nargs="*", help="FILE for dossiers and procedures; DEVICE CMD for command"
    )
    parser.add_argument("--broker", metavar="HOST[:PORT]", help="default central.host/port")
    parser.add_argument(
        "--db",
        dest="central_db",
        metavar="URL",
        help="sqlite:///PATH or postgresql://... (default central.db)",
    )
    parser.add_argument("--group", help="shared-subscription group (default central.group)")
    parser.add_argument("--client-id", help="MQTT client id of this worker")
    parser.add_argument(
        "--site",
        action="append",
        help="report, dossiers, procedures, command: the site id; user add: a site the "
        "manager or viewer is given (repeat it)",
    )
    parser.add_argument("--role", help="user add: admin, manager or viewer")
    parser.add_argument("--password-file", help="user add, passwd: the password's file")
    parser.add_argument(
        "--all", action="store_true", help="procedures: every site central has heard from"
    )
    parser.add_argument("--day", help="report: YYYY-MM-DD (default today)")
    parser.add_argument(
        "--period",
        help="report: a period instead of a day: YYYY-MM-DD, YYYY-MM, YYYY-Q1..Q4, YYYY-6T, "
        "YYYY-9T (the first 6 or 9 months), YYYY, or FROM..TO; every site without --site",
    )
    parser.add_argument(
        "--by",
        choices=["site", "service", "counter", "officer"],
        default="site",
        help="report --period: the rows (default site)",
    )
    parser.add_argument("--host", help="web: the address to listen on (default central.web_host)")
    parser.add_argument(
        "--port", type=port_number, help="web: the port to listen on (default central.web_port)"
    )
    parser.add_argument(
        "--timezone", default="Asia/Ho_Chi_Minh", help="report and dossiers: the sites' time zone"
    )
    parser.add_argument("--counter", type=counter_number, help="command: the counter")
    parser.add_argument("--text", type=NOTICE_TEXT, help="command notice: the line")
    parser.add_argument("--minutes", type=float, help="command notice: how long")
    parser.add_argument("--wait", type=float, default=30.0, help="command: seconds to wait")


def _demo(parser: argparse.ArgumentParser, common: Parser) -> None:
    parser.add_argument("--out", default="demo-out", metavar="DIR", help="output folder")
    parser.add_argument("--seed", type=int, default=20261122, help="random seed")
    parser.add_argument(
        "--citizens",
        type=int,
        default=None,
        help="citizens arriving in the day (default 330; 1500 for --day busy)",
    )
    parser.add_argument(
        "--day",
        choices=["normal", "busy"],
        default="normal",
        help="busy: every daemon as its own process through a compressed busy day with "
        "faults, then the invariant report",
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=60.0,
        metavar="X",
        help="--day busy: how many times faster than real time the day runs (default 60)",
    )
    parser.add_argument(
        "--slips",
        type=int,
        default=300,
        metavar="N",
        help="--day busy: appointment slips scanned in the day (default 300)",
    )


def _bench(parser: argparse.ArgumentParser, common: Parser) -> None:
    parser.add_argument(
        "--save",
        default="bench.json",
        metavar="FILE",
        help="where the figures go as JSON (default bench.json; '' for nowhere)",
    )
    parser.add_argument(
        "--dir",
        default=".",
        metavar="DIR",
        help="where the scratch database goes (its disk is what is measured)",
    )
    parser.add_argument("--n", type=int, default=2000, help="operations per figure")
    parser.add_argument(
        "--idle-seconds",
        type=float,
        default=60.0,
        metavar="S",
        help="how long the idle display is watched (default 60)",
    )
    parser.add_argument(
        "--dossiers",
        type=int,
        default=1_000_000,
        metavar="N",
        help="dossiers in the cache for the look-up figures (default 1000000)",
    )
    parser.add_argument(
        "--events",
        type=int,
        default=10_000,
        metavar="N",
        help="events drained to central and ingested for the sync figures (default 10000)",
    )
    parser.add_argument(
        "--sites",
        type=int,
        default=500,
        metavar="N",
        help="the province's sites for central's figures (default 500)",
    )


COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser, Parser], None]]] = {
    "config": ("configuration tools", _config),
    "status": ("services, counters and the missed list now", _nothing),
    "issue": ("issue a ticket for a service (marked printed)", _issue),
    "call": ("call the next ticket at a counter", _at_counter),
    "recall": ("announce the ticket being served again", _at_counter),
    "skip": ("no-show: move the ticket being served to the missed list", _at_counter),
    "done": ("finish the ticket being served", _at_counter),
    "resume": ("resume calling at a paused counter", _at_counter),
    "transfer": ("send the ticket being served to another service", _transfer),
    "pause": ("stop calling at a counter", _pause),
    "rate": ("record the citizen's rating of the ticket a counter just finished", _rate),
    "reenter": ("let a missed number back into the queue (within the tolerance)", _reenter),
    "ticket": ("issue a ticket and write the exact printer bytes (+ PNG preview)", _ticket),
    "printer": ("the configured ticket printer", _printer),
    "say": ("the call announcement: as words, played aloud, or into a WAV file", _say),
    "voice": ("voice packs for the announcements", _voice),
    "display": ("the wall display and the look-up screen", _display),
    "scan": ("what the look-up screen would show for a scanned code (changes nothing)", _scan),
    "dossiers": ("the dossier cache behind the look-up screen", _dossiers),
    "procedures": ("the procedure catalogue: import, search, show, print a checklist", _procedures),
    "notice": ("set the notice along the bottom of the wall display", _notice),
    "run": ("run a daemon in the foreground (as systemd does)", _run),
    "central": ("the reference central ingest, its report, dossiers and commands", _central),
    "doctor": (
        "check config, database, GPIO, printer, scanners, screen, fonts, voice, "
        "clock and broker; one line each with the fix",
        _nothing,
    ),
    "udev-rules": ("print udev rules for the configured printer and scanners", _nothing),
    "units": ("list the systemd units this configuration needs", _nothing),
    "demo": ("simulate a day at the centre, headless, into ./demo-out/", _demo),
    "bench": ("measure every figure; prints a table and saves the JSON", _bench),
}
