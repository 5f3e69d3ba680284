from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    DATABASE_URL: str = "postgresql+asyncpg://app_user@127.0.0.1:5432/skeldir"
    MIGRATION_DATABASE_URL: str = ""

    # Celery: Postgres is the broker (kombu SQLAlchemy transport) and the result backend.
    CELERY_BROKER_URL: str = "sqla+postgresql://app_user@127.0.0.1:5432/skeldir"
    CELERY_RESULT_BACKEND: str = "db+postgresql://app_user@127.0.0.1:5432/skeldir"

    # Global task budgets (seconds): soft limit raises SoftTimeLimitExceeded, hard limit kills.
    CELERY_TASK_SOFT_TIME_LIMIT_S: int = 300
    CELERY_TASK_TIME_LIMIT_S: int = 360

    QUEUE_STATS_CACHE_TTL_S: int = 15


settings = Settings()
