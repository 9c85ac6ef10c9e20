"""ASGI middleware, one concern each."""
