from contextlib import contextmanager

import psycopg2

from app.core.config import settings


@contextmanager
def tenant_connection(tenant_id: str):
    conn = psycopg2.connect(settings.DATABASE_URL.replace("+asyncpg", ""))
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT set_config('app.current_tenant_id', %s, true)", (tenant_id,))
            yield cur
    finally:
        conn.close()
