"""The WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi …`."""

import gc

from journal import create_app

app = create_app()

# What start-up made lives as long as the process. Frozen, it is left out of the garbage
# collector's full passes, which would otherwise walk all of it during any request that
# allocates a lot (a search opens thousands of entries): measured in tests/bench.
gc.collect()
gc.freeze()
