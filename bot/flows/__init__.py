"""Conversation state machines; they know no chat library and do no I/O."""
