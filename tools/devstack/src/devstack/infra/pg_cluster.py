"""A private PostgreSQL cluster under `.run/pg`, made with Debian's server binaries.

PostgreSQL refuses to run as root, so as root the cluster's folder belongs to the `postgres`
user and every command runs through `runuser -u postgres --`.
"""

from __future__ import annotations

import logging
import os
import pwd
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from devstack.infra.urls import bind_address
from devstack.logtail import tail_lines

DEBIAN_LIBDIR = Path("/usr/lib/postgresql")
SERVICE_USER = "postgres"
APT_PACKAGES = ("postgresql", "postgresql-contrib")

log = logging.getLogger(__name__)


class ClusterError(Exception):
    """One line saying why the private cluster could not be made or started."""


@dataclass(frozen=True)
class PgBinaries:
    bindir: Path

    @property
    def initdb(self) -> str:
        return str(self.bindir / "initdb")

    @property
    def pg_ctl(self) -> str:
        return str(self.bindir / "pg_ctl")


def find_binaries(libdir: Path = DEBIAN_LIBDIR) -> PgBinaries | None:
    """The newest `/usr/lib/postgresql/<major>/bin` that has both initdb and pg_ctl."""
    found = [p.parent for p in libdir.glob("*/bin/initdb") if (p.parent / "pg_ctl").is_file()]
    if not found:
        return None
    return PgBinaries(max(found, key=_major))


def _major(bindir: Path) -> int:
    name = bindir.parent.name
    return int(name) if name.isdigit() else 0


def install_binaries() -> PgBinaries:
    """apt-get Debian's server; the machines we target are Debian and we are root on them."""
    apt = shutil.which("apt-get")
    if os.geteuid() != 0 or apt is None:
        raise ClusterError("no PostgreSQL server binaries: install Debian's postgresql package")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in ([apt, "update"], [apt, "install", "-y", *APT_PACKAGES]):
        log.info("PostgreSQL binaries missing: running %s", shlex.join(argv))
        # apt's own progress goes straight to our output: it can take a minute.
        if subprocess.run(argv, env=env, check=False).returncode != 0:  # noqa: S603
            raise ClusterError(f"{shlex.join(argv)} failed")
    binaries = find_binaries()
    if binaries is None:
        raise ClusterError(f"apt-get installed postgresql but no initdb under {DEBIAN_LIBDIR}")
    return binaries


@dataclass(frozen=True)
class Cluster:
    binaries: PgBinaries
    home: Path  # the data folder and the unix socket live here
    log_file: Path
    host: str
    port: int

    @property
    def data(self) -> Path:
        return self.home / "data"

    def start(self, timeout: float) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self.log_file.touch()
        if _as_root():
            self._hand_to_service_user()
        if not (self.data / "PG_VERSION").is_file():
            log.info("creating a PostgreSQL cluster in %s", self.data)
            self._run(
                [
                    self.binaries.initdb,
                    "-D",
                    str(self.data),
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    "--locale=C",
                    "--auth-local=trust",
                    "--auth-host=trust",
                ],
                what="initdb",
            )
        # Port, socket and address are given at each start, so a cluster made for one URL
        # follows the URL when it changes.
        options = (
            f"-p {self.port} -k {shlex.quote(str(self.home))}"
            f" -c listen_addresses={bind_address(self.host)}"
        )
        log.info("starting PostgreSQL on %s:%s (log: %s)", self.host, self.port, self.log_file)
        self._run(
            [
                self.binaries.pg_ctl,
                "-D",
                str(self.data),
                "-l",
                str(self.log_file),
                "-o",
                options,
                "-w",
                "-t",
                str(max(1, round(timeout))),
                "start",
            ],
            what="pg_ctl start",
            see_log=True,
        )

    def stop(self) -> None:
        if (self.data / "postmaster.pid").is_file():
            log.info("stopping the PostgreSQL we started")
            self._run(
                [self.binaries.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop"],
                what="pg_ctl stop",
            )

    def _hand_to_service_user(self) -> None:
        try:
            user = pwd.getpwnam(SERVICE_USER)
        except KeyError:
            raise ClusterError(f"running as root and there is no {SERVICE_USER} user") from None
        for path in (self.home, *self.home.rglob("*"), self.log_file):
            os.chown(path, user.pw_uid, user.pw_gid, follow_symlinks=False)
        if not self._can_write(self.home):
            raise ClusterError(
                f"the {SERVICE_USER} user cannot reach {self.home}: a parent folder is closed "
                "to other users (chmod o+x it, or use a checkout outside /root)"
            )

    def _can_write(self, path: Path) -> bool:
        return subprocess.run(_runuser(["test", "-w", str(path)]), check=False).returncode == 0  # noqa: S603

    def _run(self, argv: list[str], *, what: str, see_log: bool = False) -> None:
        if _as_root():
            argv = _runuser(argv)
        # Its own session: the server pg_ctl leaves behind must not get the terminal's Ctrl-C.
        result = subprocess.run(  # noqa: S603 - our own argv, no shell
            argv,
            cwd=self.home,
            capture_output=True,
            text=True,
            check=False,
            start_new_session=True,
        )
        if result.returncode != 0:
            said = (result.stderr.strip() or result.stdout.strip()).splitlines()
            reason = f"{what} failed: {said[-1] if said else f'exit code {result.returncode}'}"
            if see_log and (last := tail_lines(self.log_file, 1)):
                reason += f" ({self.log_file}: {last[0]})"
            raise ClusterError(reason)


def _as_root() -> bool:
    return os.geteuid() == 0


def _runuser(argv: list[str]) -> list[str]:
    runuser = shutil.which("runuser") or "/usr/sbin/runuser"
    return [runuser, "-u", SERVICE_USER, "--", *argv]
