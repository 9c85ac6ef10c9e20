from todo_async.settings import DEFAULT_DATABASE_URL, Settings


def test_defaults_run_on_a_laptop() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.database_url.startswith("sqlite:")
    assert settings.cors_allow_origins == ("*",)
    assert settings.forwarded_allow_ips == ("127.0.0.1", "::1")
    assert settings.forwarded_allow_hosts == ()
    assert settings.migration_lock_timeout == 30.0


def test_environment_overrides() -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql://todo@db:5432/todo",
            "DATABASE_PASSWORD": "s3cret",
            "CORS_ALLOW_ORIGINS": "https://a.example, https://b.example",
            "FORWARDED_ALLOW_IPS": "10.0.0.0/16",
            "FORWARDED_ALLOW_HOSTS": "todo.example.com, www.todo.example.com",
            "SHUTDOWN_TIMEOUT": "10",
            "LOG_LEVEL": "WARNING",
            "MIGRATION_LOCK_TIMEOUT": "2.5",
        }
    )
    assert settings.database_password == "s3cret"
    assert settings.cors_allow_origins == ("https://a.example", "https://b.example")
    assert settings.forwarded_allow_ips == ("10.0.0.0/16",)
    assert settings.forwarded_allow_hosts == ("todo.example.com", "www.todo.example.com")
    assert settings.shutdown_timeout == 10
    assert settings.log_level == "warning"
    assert settings.migration_lock_timeout == 2.5
