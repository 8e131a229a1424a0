"""The LA summary of a round: compiled once (model), rendered as text, HTML, Telegram
messages, CSV, XLSX and per-partnership DOCX forms, and queued to the LA when it is due
(schedule)."""
