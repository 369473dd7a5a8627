"""Local servers run on demand: a Mosquitto broker on a free loopback port (stopped and
started again at will, its sessions kept on disk), a throwaway PostgreSQL cluster, and
``kiosk central`` as a process. The demo and ``kiosk bench`` use them, and the tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.02)
    raise RuntimeError(f"nothing listens on port {port}")


class Broker:
    """``mosquitto`` on 127.0.0.1:``port`` with persistence in ``work``.

    ``extra`` lines go into its config (an ACL, a password file, a TLS listener...);
    ``listener`` replaces the default plain listener line.
    """

    def __init__(self, work: Path, *, extra: str = "", listener: str = "") -> None:
        self.work = work
        self.work.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.conf = work / "mosquitto.conf"
        self.log = work / "mosquitto.log"
        self.conf.write_text(
            f"{listener or f'listener {self.port} 127.0.0.1'}\n"
            + ("" if "allow_anonymous" in extra else "allow_anonymous true\n")
            + f"persistence true\npersistence_location {work}/\n"
            "max_queued_messages 0\nmax_inflight_messages 0\nautosave_interval 1\n"
            "set_tcp_nodelay true\n"  # as the province's broker (sync/mosquitto)
            f"log_dest file {self.log}\n{extra}\n"
            # As root, mosquitto would switch to its own user, which cannot write here.
             + ("user root\n" if os.geteuid() == 0 and "\nuser " not in f"\n{extra}" else "")
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Broker:
        with (self.work / "mosquitto.err").open("ab") as err:
            self.process = subprocess.Popen(
                [MOSQUITTO, "-c", str(self.conf)], stdout=subprocess.DEVNULL, stderr=err
            )
        try:
            wait_port(self.port)
        except RuntimeError:
            self.stop()
            log = "".join(
                path.read_text(errors="replace")[-2000:]
                for path in (self.log, self.work / "mosquitto.err")
                if path.exists()
            )
            raise RuntimeError(f"mosquitto did not start: {log}") from None
        return self

    def stop(self) -> None:
        """SIGTERM: mosquitto saves its sessions and queued messages first."""
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class CentralProcess:
    """``kiosk central`` as its own process, as the province runs it: every setting from
    the command line (an empty config file in ``folder``), its log in ``folder/central.log``."""

    def __init__(self, port: int, db_url: str, folder: Path, client_id: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        config = folder / "central.toml"
        config.write_text("# everything from the command line\n")
        self.log = folder / "central.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
        central = [sys.executable, "-m", "kiosk", "--config", str(config), "central"]
        connect = ["--broker", f"127.0.0.1:{port}", "--db", db_url, "--client-id", client_id]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [*central, *connect], stdout=log, stderr=subprocess.STDOUT, env=env
            )

    def wait_ready(self, seconds: float = 20) -> bool:
        """Until central says it is connected (it subscribes in the same breath)."""
        deadline = time.monotonic() + seconds
        while "central connected" not in self.log.read_text(encoding="utf-8", errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        time.sleep(0.2)  # its SUBACK
        return True

    @property
    def exited(self) -> int | None:
        return self.process.poll()

    def kill(self) -> None:
        """SIGKILL, as a crash or a power cut ends it."""
        self.process.kill()
        self.process.wait()

    def stop(self) -> int:
        """SIGTERM (killed if it does not stop in 10 s); its exit status."""
        return stop_process(self.process)


def stop_process(process: subprocess.Popen[bytes]) -> int:
    """SIGTERM (killed if it does not stop in 10 s); its exit status."""
    process.terminate()
    try:
        return process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


class WebProcess:
    """``kiosk central web`` as its own process on a free loopback port, over ``db_url``,
    its log in ``folder/web.log``."""

    def __init__(self, db_url: str, folder: Path, broker_port: int = 1883) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        config = folder / "central.toml"
        if not config.exists():
            config.write_text("# everything from the command line\n")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / "web.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
        command = [
            sys.executable, "-m", "kiosk", "--config", str(config), "central", "web",
            "--db", db_url, "--port", str(self.port), "--broker", f"127.0.0.1:{broker_port}",
        ]  # fmt: skip
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            wait_port(self.port, timeout=30)
        except Exception:
            self.stop()
            raise

    def stop(self) -> int:
        return stop_process(self.process)


def have_mosquitto() -> bool:
    return Path(MOSQUITTO).is_file()


def have_postgres() -> bool:
    return _pg_bin() is not None


def _pg_bin() -> Path | None:
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / "initdb").exists():
            return folder
    found = shutil.which("initdb")
    return Path(found).parent if found else None


class Postgres:
    """A PostgreSQL cluster of its own in ``work`` on a free port; ``url`` to connect.
    As root, the server runs as the ``postgres`` user (initdb refuses root)."""

    def __init__(self) -> None:
        folder = _pg_bin()
        if folder is None:
            raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
        self.bin = folder
        # A folder of its own the server's user can reach (pytest's are private to root).
        self.work = Path(tempfile.mkdtemp(prefix="kiosk-pg-"))
        self.work.chmod(0o755)
        self.data = self.work / "pgdata"
        self.port = free_port()
        self.url = f"postgresql://kiosk@127.0.0.1:{self.port}/postgres"
        self._as: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.work, "postgres", "postgres")
            self._as = ["runuser", "-u", "postgres", "--"]

    def start(self) -> Postgres:
        """Create the cluster (the first time) and start the server."""
        if not self.data.exists():
            initdb = [*self._as, str(self.bin / "initdb"), "-D", str(self.data)]
            options = ["-U", "kiosk", "--auth=trust", "-E", "UTF8", "--no-sync"]
            subprocess.run([*initdb, *options], check=True, capture_output=True)
        pg_ctl = [*self._as, str(self.bin / "pg_ctl"), "-D", str(self.data)]
        server = f"-p {self.port} -k {self.work} -c listen_addresses=127.0.0.1 -c fsync=on"
        subprocess.run(
            [*pg_ctl, "-w", "-l", str(self.work / "pg.log"), "-o", server, "start"],
            check=True,
            capture_output=True,
        )
        return self

    def halt(self) -> None:
        """Stop the server, keeping its data: :meth:`start` brings it back."""
        subprocess.run(
            [*self._as, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"],
            check=False,
            capture_output=True,
        )

    def stop(self) -> None:
        self.halt()
        shutil.rmtree(self.work, ignore_errors=True)
