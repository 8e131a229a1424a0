"""This channel's name, as stored with outbox rows, addresses, invites and handled updates."""

CHANNEL = "telegram"
