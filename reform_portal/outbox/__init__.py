"""The outbox: work for the Celery workers, recorded in the database with the write that asks for it and sent to the
broker after commit (and again by `flush` until it went out), so a broker outage delays that work and loses none.

`enqueue(task, *args, **kwargs)` is the one way the portal's pages and services hand work to the workers."""
