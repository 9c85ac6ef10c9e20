from todo_async.settings import DEFAULT_DATABASE_URL, Settings


def test_defaults_run_on_a_laptop() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.database_url.startswith("sqlite:")
    assert settings.cors_allow_origins == ("*",)
    assert settings.forwarded_allow_ips == ("127.0.0.1", "::1")
    assert settings.forwarded_proto_header == "x-forwarded-proto"
    assert settings.forwarded_client_header is None
    assert settings.migration_lock_timeout == 30.0


def test_environment_overrides() -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql://todo@db:5432/todo",
            "DATABASE_PASSWORD": "s3cret",
            "CORS_ALLOW_ORIGINS": "https://a.example, https://b.example",
            "FORWARDED_ALLOW_IPS": "10.0.0.0/16",
            "FORWARDED_PROTO_HEADER": "CloudFront-Forwarded-Proto",
            "FORWARDED_CLIENT_HEADER": "CloudFront-Viewer-Address",
            "SHUTDOWN_TIMEOUT": "10",
            "LOG_LEVEL": "WARNING",
            "MIGRATION_LOCK_TIMEOUT": "2.5",
        }
    )
    assert settings.database_password == "s3cret"
    assert settings.cors_allow_origins == ("https://a.example", "https://b.example")
    assert settings.forwarded_allow_ips == ("10.0.0.0/16",)
    assert settings.forwarded_proto_header == "cloudfront-forwarded-proto"
    assert settings.forwarded_client_header == "CloudFront-Viewer-Address"
    assert settings.shutdown_timeout == 10
    assert settings.log_level == "warning"
    assert settings.migration_lock_timeout == 2.5
