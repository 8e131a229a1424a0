"""Command groups of the `auditbot` CLI, one module per area; each has `register(app)`."""
