"""Listening: the assistant's answers read aloud, synthesised on our servers (espeak-ng)."""
