"""Unit tests of the local stand-in (localstack/standin, the harness distribution's
`standin`), laid out as its subpackages are: no LocalStack."""
