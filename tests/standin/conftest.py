"""Unit tests of the local stand-in (localstack/standin, imported as `standin`: see
pytest's pythonpath in pyproject.toml): no LocalStack."""
