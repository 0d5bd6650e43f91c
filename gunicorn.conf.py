"""gunicorn's settings for the site, read by `gunicorn -c gunicorn.conf.py wsgi:app` (make serve,
deploy/serve.py, bench). Every value can be changed from the environment without editing this
file: the variables below, or any command-line flag in GUNICORN_CMD_ARGS (gunicorn's own).

gunicorn runs behind nginx (deploy/nginx.conf), which buffers slow clients, so plain sync
workers are the right kind: each handles one request at a time, and nginx queues the rest.
"""
import multiprocessing
import os

# Where to listen: deploy/serve.py passes a free loopback port per instance (-b overrides this).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")

# gunicorn's rule of thumb, (2 × cores) + 1: while one worker waits on PostgreSQL or Redis,
# another uses the core. WEB_CONCURRENCY (the common convention, read by gunicorn too) overrides.
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"

# A request that takes longer than this is stuck (the slowest real one, a first PDF render,
# takes about a second): the worker is killed and replaced. On SIGTERM, workers get
# graceful_timeout seconds to finish what they are doing.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 20))
# nginx opens a new connection per request to a sync worker; keep-alive only matters for
# direct clients (health checks).
keepalive = 2

# Only the local proxy may tell us the client's scheme (X-Forwarded-Proto); the app's ProxyFix
# (FLASK_PROXY_COUNT=1) takes the client's address from X-Forwarded-For.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# The access log in the Combined Log Format (Apache's and nginx's default), plus the time taken
# in microseconds; "-" is standard output. GUNICORN_ACCESSLOG=/path writes it to a file.
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s'
errorlog = os.environ.get("GUNICORN_ERRORLOG", "-")
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")

# gunicorn's control socket ($HOME/.gunicorn/gunicorn.ctl) is one path for all instances on a
# machine: off (instances are managed by signals, as deploy/serve.py does).
control_socket_disable = True

# A name per instance in `ps` (deploy/serve.py sets GUNICORN_NAME to site-1, site-2, …).
proc_name = os.environ.get("GUNICORN_NAME", "campaign")
