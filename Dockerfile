# Partnership Audit Bot: `auditbot run` with the SQLite database on a volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    AUDITBOT_DB=/data/auditbot.db

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY storage ./storage
COPY templates ./templates
COPY questionnaires ./questionnaires
# The LA's reports need Pango (PDFs, WeasyPrint), Cairo (the chart picture, CairoSVG) and a
# font. dovecot-imapd and chromium (README, Quick start) are for the test suite alone.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libcairo2 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && pip install . \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin auditbot \
    && mkdir -p /data /backups && chown auditbot /data /backups && chmod 700 /data /backups

USER auditbot
VOLUME ["/data"]
# Backups (README, Data protection): mount a second volume on /backups (a new named volume
# takes this folder's owner and mode) and schedule, from the host's cron or a systemd
# timer, `docker exec auditbot auditbot backup /backups` (daily, for example). Each run
# writes a dated copy readable by its owner only, taken with SQLite's online backup API
# (safe while the bot runs), and deletes the copies there older than RETENTION_BACKUPS_DAYS.
# Webhook mode listens here when TELEGRAM_WEBHOOK_URL is set; polling needs no port.
EXPOSE 8443

# Healthy when the database opens and its schema is current.
HEALTHCHECK --interval=60s --timeout=10s --start-period=20s --retries=3 \
    CMD ["auditbot", "health"]

CMD ["auditbot", "run"]
