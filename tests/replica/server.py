"""A real PostgreSQL streaming replica of the test's primary, on this machine (docs/several-machines.md, "Tests").

`ReplicaServer.start()` copies the running primary cluster with `pg_basebackup -R` (which writes the standby's
`primary_conninfo` and `standby.signal`) into a temporary directory and starts it with the primary's own PostgreSQL
binaries (`/usr/lib/postgresql/<major>/bin`, Debian's layout) on a free port, as the `postgres` OS user when the
tests run as root (PostgreSQL refuses to run as root), else as the current user.

The primary must accept replication connections from 127.0.0.1: `wal_level` replica (PostgreSQL's default) and
`max_wal_senders` > 0 need a restart and are only checked; a missing `pg_hba.conf` entry is added
(`host replication all 127.0.0.1/32 trust`, idempotently, then `pg_reload_conf()`) when the file is writable (as
`.ci/run` does), else the test fails saying which line to add. A replication slot keeps the primary's WAL until the
replica has it; `stop()` drops it, and a slot of a test process that is gone is dropped by the next start.
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

HBA_LINE = "host replication all 127.0.0.1/32 trust"
# A hot standby refuses to start with less of these than its primary.
SAME_AS_PRIMARY = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _primary(primary: dict):
    conn = psycopg2.connect(**primary, dbname="postgres")
    conn.autocommit = True
    return conn


def ensure_replication_allowed(primary: dict) -> None:
    """Check the primary's WAL settings; add the pg_hba entry for replication from 127.0.0.1 if it is missing."""
    conn = _primary(primary)
    with conn.cursor() as cursor:
        cursor.execute("SELECT current_setting('wal_level'), current_setting('max_wal_senders')::int")
        wal_level, senders = cursor.fetchone()
        if wal_level not in ("replica", "logical") or senders < 1:
            pytest.fail(
                f"the primary has wal_level={wal_level}, max_wal_senders={senders}: set wal_level = replica and "
                "max_wal_senders = 10 in postgresql.conf and restart it"
            )
        cursor.execute(
            "SELECT count(*) FROM pg_hba_file_rules WHERE 'replication' = ANY(database) AND auth_method = 'trust'"
            " AND type = 'host' AND address IN ('127.0.0.1', 'all', 'samehost')"
        )
        allowed = cursor.fetchone()[0]
        cursor.execute("SHOW hba_file")
        hba = Path(cursor.fetchone()[0])
        if allowed:
            conn.close()
            return
        if not os.access(hba, os.W_OK):
            pytest.fail(f"the primary refuses replication from 127.0.0.1: add `{HBA_LINE}` to {hba} and reload it")
        text = hba.read_text()
        if HBA_LINE not in text.splitlines():
            note = "# streaming replicas of the tests (docs/several-machines.md)"
            hba.write_text(f"{text.rstrip()}\n{note}\n{HBA_LINE}\n")
        cursor.execute("SELECT pg_reload_conf()")
    conn.close()
    time.sleep(0.5)  # the postmaster re-reads pg_hba.conf on SIGHUP


SLOT_PREFIX = "rp_test_replica_"  # + the test process's id


def _drop_orphan_slots(primary: dict) -> None:
    """Drop the slots of test replicas whose process is gone (a slot left behind keeps WAL on the primary forever)."""
    conn = _primary(primary)
    with conn.cursor() as cursor:
        cursor.execute("SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE %s", [SLOT_PREFIX + "%"])
        for (slot,) in cursor.fetchall():
            try:
                os.kill(int(slot.removeprefix(SLOT_PREFIX)), 0)
            except (ProcessLookupError, ValueError):
                cursor.execute("SELECT pg_drop_replication_slot(%s)", [slot])
            except PermissionError:
                pass  # alive, another user's
    conn.close()


class ReplicaServer:
    def __init__(self, primary: dict):
        self.primary = primary  # host, port, user of the primary (psycopg2 keywords)
        self.port = free_port()
        self.dir: Path | None = None
        self.slot = f"{SLOT_PREFIX}{os.getpid()}"

    @property
    def data(self) -> Path:
        return self.dir / "data"

    def _bin(self, name: str) -> str:
        conn = _primary(self.primary)
        with conn.cursor() as cursor:
            cursor.execute("SHOW server_version_num")
            major = int(cursor.fetchone()[0]) // 10000
        conn.close()
        path = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
        return str(path) if path.exists() else (shutil.which(name) or pytest.fail(f"no {name} for PostgreSQL {major}"))

    def start(self) -> "ReplicaServer":
        ensure_replication_allowed(self.primary)
        # Not under pytest's tmp_path: the postgres user must traverse it.
        self.dir = Path(tempfile.mkdtemp(prefix="rp-replica-"))
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
        _drop_orphan_slots(self.primary)
        # A slot keeps the primary's WAL from the backup on until the replica has streamed it (a busy primary would
        # otherwise recycle it first); dropped by stop(), or by the next start if this process dies.
        self._run(
            [self._bin("pg_basebackup"), "-h", self.primary["host"], "-p", str(self.primary["port"])]
            + ["-U", self.primary["user"], "-D", str(self.data), "-R", "-X", "stream", "-c", "fast", "--no-sync"]
            + ["-C", "-S", self.slot],
            "pg_basebackup",
        )
        # Debian keeps the configuration in /etc: the copy has none of its own. A standby needs the primary's
        # limits (or higher); the copy is thrown away, so nothing is synced to disk.
        conn = _primary(self.primary)
        with conn.cursor() as cursor:
            cursor.execute("SELECT name, setting FROM pg_settings WHERE name = ANY(%s)", [list(SAME_AS_PRIMARY)])
            limits = "".join(f"{name} = {value}\n" for name, value in cursor.fetchall())
        conn.close()
        (self.data / "postgresql.conf").write_text(
            f"port = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.dir}'\n"
            "hot_standby = on\nhot_standby_feedback = on\nshared_buffers = 32MB\nfsync = off\n"
            "wal_receiver_status_interval = 1s\nlogging_collector = off\n" + limits
        )
        (self.data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        (self.data / "pg_ident.conf").write_text("")
        if os.geteuid() == 0:
            subprocess.run(["chown", "-R", "postgres:postgres", str(self.dir)], check=True)
        self._run(
            [self._bin("pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "server.log"), "-w", "-t", "60", "start"],
            "pg_ctl start",
        )
        self.wait_caught_up()
        return self

    def _run(self, command: list[str], what: str) -> None:
        result = subprocess.run(_as_server_user(command), capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            log = (self.dir / "server.log").read_text()[-3000:] if (self.dir / "server.log").exists() else ""
            pytest.fail(f"{what} failed:\n{result.stdout}{result.stderr}\n{log}")

    def stop(self) -> None:
        if self.dir is None:
            return
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                _as_server_user([self._bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"]),
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None
        conn = _primary(self.primary)
        try:
            with conn.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = %s",
                    [self.slot],
                )
        finally:
            conn.close()

    def connect(self, dbname: str):
        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user=self.primary["user"], dbname=dbname)
        conn.autocommit = True
        return conn

    def sql(self, query: str, dbname: str = "postgres"):
        conn = self.connect(dbname)
        try:
            with conn.cursor() as cursor:
                cursor.execute(query)
                return cursor.fetchone()[0] if cursor.description else None
        finally:
            conn.close()

    def url(self, dbname: str) -> str:
        return f"postgres://{self.primary['user']}@127.0.0.1:{self.port}/{dbname}"

    def wait_caught_up(self, timeout: float = 300) -> None:
        """Wait until the replica has replayed everything the primary has written so far (long: the primary is the
        developer's whole cluster, which may be busy with other databases' writes)."""
        conn = _primary(self.primary)
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()")
            target = cursor.fetchone()[0]
        conn.close()
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"):
                    return
            except psycopg2.OperationalError:
                pass  # still starting
            if time.monotonic() > deadline:
                log = (self.dir / "server.log").read_text()[-3000:]
                pytest.fail(f"the replica did not reach {target} in {timeout}s:\n{log}")
            time.sleep(0.1)

    def pause_replay(self) -> None:
        self.sql("SELECT pg_wal_replay_pause()")
        deadline = time.monotonic() + 10
        while self.sql("SELECT pg_get_wal_replay_pause_state()") != "paused":
            if time.monotonic() > deadline:
                pytest.fail("replay did not pause")
            time.sleep(0.05)

    def resume_replay(self) -> None:
        self.sql("SELECT pg_wal_replay_resume()")
