"""Thin adapters that turn a channel's input into flow events and render the effects."""
