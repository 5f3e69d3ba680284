from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app.core.config import settings

engine = create_async_engine(settings.DATABASE_URL, pool_pre_ping=True)


async def check_database() -> str:
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return "ok"
    except Exception:
        return "error"


async def check_rls(table: str) -> str:
    async with engine.connect() as conn:
        row = (await conn.execute(
            text("SELECT relrowsecurity AND relforcerowsecurity FROM pg_class WHERE oid = to_regclass(:t)"),
            {"t": f"public.{table}"})).scalar()
    return "ok" if row else "error"


async def check_tenant_guc() -> str:
    async with engine.begin() as conn:
        await conn.execute(text("SELECT set_config('app.current_tenant_id', '00000000-0000-0000-0000-000000000000', true)"))
    return "ok"
