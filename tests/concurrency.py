"""A transaction held open on another thread (and connection), for tests of what concurrent writers wait for."""

import threading

from django.db import connections, transaction


def writer_in_another_transaction(write, release: threading.Event, *, timeout: float = 30):
    """Run `write` in a transaction of its own on another thread, held open (its locks with it) until `release` is
    set. Returns the thread, an event set once `write` is done, and the errors it raised."""
    written, errors = threading.Event(), []

    def run():
        try:
            with transaction.atomic():
                write()
                written.set()
                release.wait(timeout=timeout)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, written, errors
