"""Rasa server side of the assistant: domain, endpoints, credentials and channels."""
