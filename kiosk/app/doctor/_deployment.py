"""The installation as systemd runs it: the units this configuration needs (installed,
enabled, running, or why not), and the files the daemons read or write as they see them:
through the units' sandbox and as the ``kiosk`` user, not as the technician at the shell.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path

from kiosk.app.doctor import FAIL, OK, SKIP, WARN, Check
from kiosk.config import Config

UNIT_DIR = Path("/etc/systemd/system")
DROP_IN = UNIT_DIR / "kiosk-.service.d" / "10-kiosk.conf"
BOOTED = Path("/run/systemd/system")  # present when systemd is the running init
USER = "kiosk"
EX_CONFIG = "78"
PROPERTIES = "Id,LoadState,ActiveState,SubState,Result,NRestarts,UnitFileState,ExecMainStatus"
# The units' sandbox (systemd/kiosk-.service.d/10-kiosk.conf).
HIDDEN = ("/home", "/root", "/run/user")  # ProtectHome=yes
PRIVATE = ("/tmp", "/var/tmp")  # PrivateTmp=yes
WRITABLE = ("/var/lib/kiosk", "/run/kiosk")  # ReadWritePaths=, the rest read-only
DEVICES = ("/dev", "/proc", "/sys")  # API file systems: not made read-only


# -- the units -------------------------------------------------------------------------


def services(
    config: Config, systemctl: str = "systemctl", booted: Path = BOOTED
) -> Iterator[Check]:
    """Each unit this configuration needs: installed, enabled, and running."""
    from kiosk.app.deploy import units

    if not booted.is_dir() or not shutil.which(systemctl):
        yield Check("services", SKIP, "systemd is not running here: no units to check")
        return
    needed = [*units(config), "kiosk.target"]
    try:
        done = subprocess.run(
            [systemctl, "show", f"--property={PROPERTIES}", *needed],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        yield Check("services", WARN, f"systemctl did not answer: {exc}", "systemctl status")
        return
    yield from unit_checks(parse_show(done.stdout))


def parse_show(text: str) -> list[dict[str, str]]:
    """``systemctl show`` of several units: one block of ``Key=value`` lines each."""
    units: list[dict[str, str]] = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
        if fields:
            units.append(fields)
    return units


def unit_checks(units: Iterable[dict[str, str]]) -> Iterator[Check]:
    running = []
    for unit in units:
        name = unit.get("Id", "?")
        problem = _unit_problem(name, unit)
        if problem is not None:
            yield problem
        elif name.endswith(".service"):
            running.append(name.removeprefix("kiosk-").removesuffix(".service"))
    if running:
        yield Check("services", OK, f"running: {', '.join(running)}")


def _unit_problem(name: str, unit: dict[str, str]) -> Check | None:
    log = f"journalctl -u {name} -b -n 50 says why"
    if unit.get("LoadState") == "not-found":
        return Check(
            "services",
            FAIL,
            f"{name} is not installed",
            "sudo systemd/install.sh (it writes the units this configuration needs)",
        )
    if unit.get("UnitFileState") not in ("enabled", "static", "enabled-runtime"):
        return Check(
            "services",
            WARN,
            f"{name} is {unit.get('UnitFileState') or 'not enabled'}: it does not start at boot",
            f"sudo systemd/install.sh, or sudo systemctl enable {name}",
        )
    state, sub = unit.get("ActiveState", ""), unit.get("SubState", "")
    if state == "failed":
        if unit.get("ExecMainStatus") == EX_CONFIG:
            return Check(
                "services",
                FAIL,
                f"{name} stopped on a bad configuration",
                f"kiosk config check; fix the file, then sudo systemctl restart {name}",
            )
        return Check(
            "services",
            FAIL,
            f"{name} failed ({unit.get('Result', '?')})",
            f"{log}; then sudo systemctl restart {name}",
        )
    if sub == "auto-restart" or (state == "activating" and int(unit.get("NRestarts", 0) or 0)):
        return Check(
            "services",
            FAIL,
            f"{name} keeps stopping and starting again ({unit.get('NRestarts', '?')} restarts)",
            log,
        )
    if state != "active":
        return Check(
            "services", WARN, f"{name} is {state or 'unknown'}", "sudo systemctl start kiosk.target"
        )
    return None


# -- the files, as the daemons see them ----------------------------------------------------


def daemon_paths(config: Config, db_path: str) -> list[tuple[str, str, bool]]:
    """(what, path, written) for every file or folder the daemons open."""
    paths = [("config", source, False) for source in config.sources if source.startswith("/")]
    sync = config.sync
    if sync.enabled:
        paths += [
            (f"sync.{key}", value, False)
            for key, value in (
                ("password_file", sync.password_file),
                ("ca", sync.ca),
                ("cert", sync.cert),
                ("key", sync.key),
            )
            if value
        ]
    for key, value in (
        ("printer.font", config.printer.font),
        ("printer.font_bold", config.printer.font_bold),
        ("display.font", config.display.font),
    ):
        if value and "/" in value:
            paths.append((key, value, False))
    if config.voice.enabled:
        paths.append(("voice.pack", config.voice.pack, False))
    if config.printer.connection == "file" and config.printer.path:
        paths.append(("printer.path", config.printer.path, True))
    paths.append(("the database's folder", str(Path(db_path).resolve().parent), True))
    return paths


def files(
    config: Config, db_path: str, *, drop_in: Path = DROP_IN, user: str = USER
) -> Iterator[Check]:
    """What the units' sandbox hides or makes read-only, and what the kiosk user cannot
    read or write. Only where the units are installed: by hand, the daemons run as whoever
    starts them."""
    if not drop_in.is_file():
        yield Check("files", SKIP, f"the units are not installed ({drop_in}): nothing to check")
        return
    paths = daemon_paths(config, db_path)
    bad = False
    for what, path, written in paths:
        if problem := sandboxed(what, path, written):
            bad = True
            yield problem
    for problem in _as_user(user, paths, _groups(drop_in)):
        bad = bad or problem.status == FAIL
        yield problem
    if not bad:
        yield Check("files", OK, f"{len(paths)} paths in reach of the daemons' sandbox")


def sandboxed(what: str, path: str, written: bool) -> Check | None:
    """The problem the units' sandbox makes of ``path``, if any."""
    real = os.path.realpath(path)
    if _under(real, DEVICES):
        return None  # ProtectSystem=strict leaves /dev, /proc and /sys as they are
    if _under(real, HIDDEN):
        return Check(
            "files",
            FAIL,
            f"{what} {path} is hidden from the daemons (ProtectHome=yes)",
            f"move it to {'/var/lib/kiosk' if written else '/etc/kiosk'} "
            "and set the new path in the config",
        )
    if _under(real, PRIVATE):
        return Check(
            "files",
            FAIL,
            f"{what} {path}: each daemon has a /tmp of its own (PrivateTmp=yes)",
            f"move it to {'/var/lib/kiosk' if written else '/etc/kiosk'}",
        )
    if written and not _under(real, WRITABLE):
        return Check(
            "files",
            FAIL,
            f"{what} {path} is read-only for the daemons (ProtectSystem=strict)",
            "keep it under /var/lib/kiosk, or add ReadWritePaths= with "
            "sudo systemctl edit kiosk-kiosk.service",
        )
    return None


def _under(path: str, roots: Iterable[str]) -> bool:
    return any(path == root or path.startswith(root + "/") for root in roots)


def _groups(drop_in: Path) -> list[str]:
    for line in drop_in.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("SupplementaryGroups="):
            return line.split("=", 1)[1].split()
    return []


def _as_user(
    user: str, paths: list[tuple[str, str, bool]], extra_groups: list[str]
) -> Iterator[Check]:
    try:
        account = pwd.getpwnam(user)
    except KeyError:
        yield Check(
            "files",
            FAIL,
            f"there is no user {user} for the daemons to run as",
            "sudo systemd/install.sh creates it",
        )
        return
    present = [(what, path, written) for what, path, written in paths if Path(path).exists()]
    if os.geteuid() == 0:
        answers = access_as(account, extra_groups, [(p, w) for _, p, w in present])
    elif os.geteuid() == account.pw_uid:
        answers = [_can(path, written) for _, path, written in present]
    else:
        yield Check("files", SKIP, f"run as root (sudo kiosk doctor) to check files as {user}")
        return
    for (what, path, written), ok in zip(present, answers, strict=True):
        if ok:
            continue
        is_dir = Path(path).is_dir()
        need = ("write" if written else "read") + (" in" if is_dir else "")
        mode = ("g+rwx" if is_dir else "g+rw") if written else ("g+rx" if is_dir else "g+r")
        yield Check(
            "files",
            FAIL,
            f"{what} {path}: {user} cannot {need} it",
            f"sudo chgrp {user} {path} && sudo chmod {mode} {path} "
            "(and the folders above it must let the group through)",
        )


def _can(path: str, written: bool) -> bool:
    if Path(path).is_dir():
        mode = os.R_OK | os.X_OK | (os.W_OK if written else 0)
    else:
        mode = os.R_OK | (os.W_OK if written else 0)
    return os.access(path, mode)


def access_as(
    account: pwd.struct_passwd, extra_groups: list[str], paths: list[tuple[str, bool]]
) -> list[bool]:
    """Whether ``account`` (with its groups and the units' supplementary ones) can read,
    or write, each path: asked in a child process that has become that user."""
    groups = set(os.getgrouplist(account.pw_name, account.pw_gid))
    for name in extra_groups:
        try:
            groups.add(grp.getgrnam(name).gr_gid)
        except KeyError:
            continue
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: become the user, answer one character a path, leave
        code = 0
        try:
            os.close(reader)
            os.setgroups(sorted(groups))
            os.setgid(account.pw_gid)
            os.setuid(account.pw_uid)
            answer = "".join("1" if _can(path, written) else "0" for path, written in paths)
            os.write(writer, answer.encode())
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        answer = pipe.read().decode()
    os.waitpid(pid, 0)
    if len(answer) != len(paths):
        raise OSError(f"could not check the files as {account.pw_name}")
    return [char == "1" for char in answer]
