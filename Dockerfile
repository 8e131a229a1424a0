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
# No system packages: the bot is only an IMAP/SMTP client. dovecot-imapd (README, Quick
# start) is for the test suite alone and stays out of this image.
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin auditbot \
    && mkdir -p /data && chown auditbot /data && chmod 700 /data

USER auditbot
VOLUME ["/data"]
# Webhook mode listens here when TELEGRAM_WEBHOOK_URL is set; polling needs no port.
EXPOSE 8443

# Healthy when the database opens and its schema is current.
HEALTHCHECK --interval=60s --timeout=10s --start-period=20s --retries=3 \
    CMD ["auditbot", "health"]

CMD ["auditbot", "run"]
