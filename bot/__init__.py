"""Partnership Audit Bot: the LA's audit of information held by partnerships, as a conversation."""
