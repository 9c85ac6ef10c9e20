import pytest

from todo_async.settings import DEFAULT_DATABASE_URL, Settings


def test_defaults_run_on_a_laptop() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.database_url.startswith("sqlite:")
    assert settings.cors_allow_origins == ("*",)
    assert settings.forwarded_allow_ips == ("127.0.0.1", "::1")
    assert settings.forwarded_allow_hosts == ()
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
            "FORWARDED_ALLOW_HOSTS": "todo.example.com, www.todo.example.com",
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
    assert settings.forwarded_allow_hosts == ("todo.example.com", "www.todo.example.com")
    assert settings.forwarded_proto_header == "cloudfront-forwarded-proto"
    assert settings.forwarded_client_header == "CloudFront-Viewer-Address"
    assert settings.shutdown_timeout == 10
    assert settings.log_level == "warning"
    assert settings.migration_lock_timeout == 2.5


def test_account_limits_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "SESSION_IDLE": "600",
            "TOKEN_MAX_DAYS": "30",
            "TODOS_PER_USER": "50",
            "TOKENS_PER_USER": "2",
            "SESSIONS_PER_USER": "3",
            "SIGN_UP_PER_MINUTE": "4",
            "SIGN_UP_PER_ADDRESS_PER_HOUR": "5",
            "PASSWORD_HASH_TIME_COST": "3",
            "PASSWORD_HASH_MEMORY_KIB": "65536",
            "PASSWORD_HASH_QUEUE": "16",
        }
    )
    assert (settings.session_idle_s, settings.token_max_days) == (600, 30)
    assert (settings.todos_per_user, settings.tokens_per_user, settings.sessions_per_user) == (
        50,
        2,
        3,
    )
    assert (settings.sign_up_per_minute, settings.sign_up_per_address_per_hour) == (4, 5)
    assert (settings.password_hash_time_cost, settings.password_hash_memory_kib) == (3, 65536)
    assert settings.password_hash_queue == 16


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="PASSWORD_HASH_QUEUE=0"):
        Settings.from_env({"PASSWORD_HASH_QUEUE": "0"})


def test_bounds_on_waits_for_the_database() -> None:
    defaults = Settings.from_env({})
    assert (defaults.database_lock_timeout, defaults.database_statement_timeout) == (5.0, 10.0)
    assert (defaults.database_pool_timeout, defaults.retry_after) == (5.0, 2)
    settings = Settings.from_env(
        {
            "DATABASE_LOCK_TIMEOUT": "0.5",
            "DATABASE_STATEMENT_TIMEOUT": "3",
            "DATABASE_POOL_TIMEOUT": "1.5",
            "RETRY_AFTER": "0",
        }
    )
    assert settings.database_lock_timeout == 0.5
    assert settings.database_statement_timeout == 3.0
    assert settings.database_pool_timeout == 1.5
    # A client told to retry after 0 s would retry at once, adding to the load.
    assert settings.retry_after == 1
