"""Debian's pgbouncer in transaction mode on 127.0.0.1, in front of the test's PostgreSQL, for a test.

Two server connections at least, handed out first-in first-out (`server_round_robin`): consecutive transactions of
one client run on different server connections, so whatever a client left in a session (a cursor WITH HOLD, a
session advisory lock, a SET) is missing from its next transaction, as it would be under load.
"""

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg2
import pytest

from .portal import free_port


class PgBouncer:
    def __init__(self, primary: dict):
        self.primary = primary
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="rp-pgbouncer-"))
        self.proc = None

    def url(self, dbname: str) -> str:
        return f"postgres://{self.primary['user']}@127.0.0.1:{self.port}/{dbname}"

    def start(self) -> "PgBouncer":
        binary = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None)
        if binary is None:
            pytest.fail("pgbouncer is not installed (apt-get install pgbouncer; .ci/run installs it)")
        user = self.primary["user"]
        (self.dir / "userlist.txt").write_text(f'"{user}" ""\n')
        (self.dir / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host={self.primary['host']} port={self.primary['port']}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {self.dir / 'userlist.txt'}\n"
            "pool_mode = transaction\ndefault_pool_size = 4\nmin_pool_size = 2\nserver_round_robin = 1\n"
            "max_client_conn = 100\nignore_startup_parameters = extra_float_digits\n"
            f"logfile = {self.dir / 'pgbouncer.log'}\n"
        )
        command = [binary, str(self.dir / "pgbouncer.ini")]
        if os.geteuid() == 0:  # pgbouncer refuses to run as root
            owner = pwd.getpwnam("postgres")
            for path in [self.dir, *self.dir.iterdir()]:
                os.chown(path, owner.pw_uid, owner.pw_gid)
            command = ["runuser", "-u", "postgres", "--", *command]
        self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while True:
            try:
                psycopg2.connect(host="127.0.0.1", port=self.port, user=user, dbname="postgres").close()
                return self
            except psycopg2.OperationalError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"pgbouncer did not start:\n{self.log()}")
                time.sleep(0.1)

    def warm(self, dbname: str) -> None:
        """Open the pool's server connections to `dbname` (two clients in a transaction at once)."""
        conns = [psycopg2.connect(host="127.0.0.1", port=self.port, user=self.primary["user"], dbname=dbname)]
        conns.append(psycopg2.connect(host="127.0.0.1", port=self.port, user=self.primary["user"], dbname=dbname))
        for conn in conns:
            conn.cursor().execute("SELECT 1")  # psycopg2 opens a transaction: each holds a server connection
        for conn in conns:
            conn.rollback()
            conn.close()

    def log(self) -> str:
        path = self.dir / "pgbouncer.log"
        return path.read_text()[-3000:] if path.exists() else ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)
