# The production image: gunicorn serving the app as a non-root user, behind the compose file's
# Caddy (which ends TLS). No secret is baked in: every key and password comes from the
# environment at run time (see compose.yaml and deploy/make-env).
FROM python:3.11-slim-bookworm

# Pango, HarfBuzz and fonts for WeasyPrint's PDFs; pg_dump/pg_restore 15 (the server's version)
# for `flask backup` and `flask restore`.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fontconfig \
      fonts-dejavu-core fonts-liberation2 \
      postgresql-client-15 \
 && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/integration integration

WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt

# The code stays root's and read-only to the app: a compromised worker cannot rewrite it.
COPY app.py gunicorn.conf.py ./
COPY integration ./integration
COPY templates ./templates
COPY static ./static
COPY migrations ./migrations
COPY deploy/entrypoint.sh /usr/local/bin/integration-entrypoint
RUN chmod 0755 /usr/local/bin/integration-entrypoint \
 && mkdir -p /app/instance /backups \
 && chown integration:integration /app/instance /backups \
 && chmod 0700 /app/instance /backups

# Settings that are the same for every production install; keys and passwords are not here.
ENV FLASK_APP=app \
    INSTANCE_PATH=/app/instance \
    HTTPS=1 \
    TRUSTED_PROXIES=1 \
    WEB_CONCURRENCY=4

USER integration
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]

# The entrypoint runs `flask check-deploy` before gunicorn and refuses to start an unsafe
# configuration. No access log: URLs carry private plan-link tokens; the app logs each request
# itself without them.
ENTRYPOINT ["integration-entrypoint"]
CMD ["gunicorn", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000", "app:app"]
