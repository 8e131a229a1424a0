"""The LA summary of a round: compiled once (model), rendered as text, HTML (phone and
print), PDF, chat messages, CSV, XLSX (with native charts), a chart picture and
per-partnership forms (DOCX and PDF), and queued to the LA when it is due (schedule)."""
