"""This channel's name, as stored with outbox rows, addresses and handled messages."""

CHANNEL = "email"
