"""gunicorn's settings for this app, read by `make run` and the production image (`-c gunicorn.conf.py`).

Threads over sync workers: a sync worker does one request at a time, so two admins on a slow page
(a search across a year of notes, an audit export) left autosave waiting behind them; and gunicorn
kills a sync worker whose one request runs past `timeout`, which ended long audit exports with an
empty reply. A gthread worker serves `threads` requests at once and its main thread keeps
answering gunicorn's heartbeat while a long request streams, so `timeout` only catches a worker that
is truly stuck. The app keeps no per-request state outside Flask's context, and SQLAlchemy's pool
gives each thread its own connection, so threads are safe here. `python -m bench.workers` measures
autosave with and without slow requests beside it, for this and the sync model.
"""
import gc
import os

bind = os.environ.get("BIND", "127.0.0.1:5000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30  # a worker silent this long is restarted; a gthread worker's long request is not silence
graceful_timeout = 30  # on restart, requests in flight (an export) get this long to finish
keepalive = 5
control_socket_disable = True  # no management socket beside the app (gunicorn ≥ 23 opens one by default)
# The app is imported once, in the master, and the workers are forked from it: they start serving at
# once instead of each importing it again (the longest part of a start), and share its pages of memory.
preload_app = True

# The loaded app (modules, routes, templates, SQLAlchemy's mappers, the stemmer: about 220,000 objects
# the collector tracks) lives as long as the worker, yet Python's full collection walks all of it:
# about 100 ms on two slow cores, once in some fifteen requests of a search page, which made the
# bench's p95. Frozen once loaded, the app is left out of every collection, and forked workers keep
# sharing its pages of memory (a collection writes to each object it visits). Python's gc documentation
# gives the recipe: collection off in the master, freeze before each fork, on again in the worker.
gc.disable()


def pre_fork(server, worker):
    gc.freeze()


def post_fork(server, worker):
    """A forked worker must not use a database connection the master opened while loading the app:
    drop the pool's inherited connections without closing them (they belong to the master), as
    SQLAlchemy advises for forking servers. Then collect garbage again: the app is frozen out of it."""
    gc.enable()
    from app import app
    from integration.extensions import db

    with app.app_context():
        db.engine.dispose(close=False)
