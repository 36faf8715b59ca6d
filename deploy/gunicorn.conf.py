"""gunicorn's settings for Ledelsesjournal, the same for `make run` and for production.

    gunicorn --config deploy/gunicorn.conf.py --bind … --workers … wsgi:app

The address, the number of workers and (for `make run`, which has no nginx in front) the
threads are given on the command line by the Makefile and deploy/ledelsesjournal.service.
"""

# Every request on stdout (the terminal for `make run`, the journal under systemd), by path
# only: no query string, since the journal's search is GET /journal/?q=…, and no Referer,
# which carries the previous page's query. The same fields as nginx's log (deploy/nginx.conf).
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(L)s "%(a)s"'
errorlog = "-"

# A sync worker that spends longer than this on one request is killed and replaced, and the
# request undone. The longest is an import at its limits (500,000 elements, some 35,000
# entries): 34,000 took 17 s on an idle two-core machine, and before those limits 60,000
# short entries took 66 s on a busy one. For gthread workers it is only the heartbeat. nginx
# waits 130 s, so gunicorn is the one that gives up and logs it.
timeout = 120
# On a restart (HUP) or stop (TERM), requests under way get this long to finish; systemd
# waits longer (TimeoutStopSec) before it kills.
graceful_timeout = 20
# gthread workers (`make run`) keep a browser's connection open this long for its next
# request (the page's stylesheet and script, the next click); an idle connection waits in
# the worker's poller, not in a thread. Sync workers ignore it.
keepalive = 5

# gunicorn's control socket (for `gunicornc`) would be made in $HOME/.gunicorn, shared by
# every gunicorn of the user; systemd and the Makefile start and stop it with signals.
control_socket_disable = True
