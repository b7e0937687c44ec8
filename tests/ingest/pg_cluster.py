"""A private PostgreSQL cluster for tests: initdb in a temporary folder, unix socket only.

The server binaries are Debian's (``/usr/lib/postgresql/<version>/bin``; CI installs the
``postgresql`` package), or those of ``$ACUITY_PG_BIN``. initdb refuses to run as root, so
as root the cluster belongs to the ``postgres`` OS user (``runuser``). The server listens on
a socket in the cluster's folder only (``listen_addresses=''``: no TCP), trusts local
connections except for the role ``secured``, which needs its password (scram-sha-256).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql

PORT = 5432  # the socket's name; nothing listens on TCP
SECURED = "secured"
SECURED_PASSWORD = "s3cr@t-Pg!pw"
HBA = f"local all {SECURED} scram-sha-256\nlocal all all trust\n"
SETTINGS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"


class ClusterError(RuntimeError):
    """The test cluster could not be made (binaries missing, initdb or start failed)."""


def find_bin() -> Path:
    """The folder of initdb, pg_ctl and postgres; raises :class:`ClusterError` when there is none."""
    given = os.environ.get("ACUITY_PG_BIN")
    candidates = [given] if given else sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version)
    for d in reversed(candidates):
        if all((Path(d) / b).is_file() for b in ("initdb", "pg_ctl", "postgres")):
            return Path(d)
    raise ClusterError(
        "PostgreSQL server binaries not found (initdb, pg_ctl, postgres under "
        "/usr/lib/postgresql/*/bin or $ACUITY_PG_BIN): install Debian's `postgresql` package "
        "(`apt-get install -y postgresql`, as .ci/run does)"
    )


def _version(path: str) -> tuple[int, ...]:
    part = Path(path).parent.name
    return tuple(int(p) for p in part.split(".") if p.isdigit())


@dataclass
class Cluster:
    """A running test cluster: its folder, socket folder and server binaries."""

    base: Path
    bin: Path

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base / "sock"

    def url(self, database: str, *, user: str = "postgres", password: str | None = None, **query: str) -> str:
        """A ``postgresql://`` URL to ``database`` over the socket (``query``: e.g. ``schema``)."""
        auth = quote(user, safe="") + (":" + quote(password, safe="") if password is not None else "")
        params = "&".join(
            f"{k}={quote(v, safe='/')}" for k, v in {"host": str(self.socket_dir), **query}.items()
        )
        return f"postgresql://{auth}@/{database}?{params}"

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        """An autocommit superuser connection (to set up and inspect the source)."""
        return psycopg.connect(
            host=str(self.socket_dir), port=PORT, user="postgres", dbname=database, autocommit=True
        )

    def _as_owner(self, *argv: str | Path) -> list[str]:
        cmd = [str(a) for a in argv]
        return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd

    def _run(self, *argv: str | Path) -> None:
        done = subprocess.run(self._as_owner(*argv), capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = self.base / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.is_file() else ""
            raise ClusterError(f"{' '.join(map(str, argv))} failed:\n{done.stdout}{done.stderr}{tail}")

    def start(self) -> None:
        """initdb, write pg_hba.conf, start the server (waits until it accepts connections)."""
        self.socket_dir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres", "postgres")
            shutil.chown(self.socket_dir, "postgres", "postgres")
        initdb = self.bin / "initdb"
        self._run(initdb, "-D", self.data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "-N")
        (self.data / "pg_hba.conf").write_text(HBA)
        options = f"-k {self.socket_dir} -p {PORT} -c listen_addresses='' {SETTINGS}"
        self._run(
            self.bin / "pg_ctl", "-D", self.data, "-l", self.base / "server.log", "-o", options, "-w", "start"
        )
        with self.connect() as con:
            role = sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}")
            con.execute(role.format(sql.Identifier(SECURED), sql.Literal(SECURED_PASSWORD)))

    def stop(self) -> None:
        """Stop the server (fast) and delete the cluster."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._run(self.bin / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)


def start_cluster() -> Cluster:
    """A fresh cluster in a new temporary folder (under /tmp: the postgres user must reach it)."""
    cluster = Cluster(Path(tempfile.mkdtemp(prefix="acuity-pg-", dir="/tmp")), find_bin())
    try:
        cluster.start()
    except BaseException:
        cluster.stop()
        raise
    return cluster
