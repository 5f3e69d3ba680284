from fastapi import APIRouter, Depends

from app.core.tenant_context import tenant_session

router = APIRouter()


@router.get("/revenue/realtime")
async def realtime_revenue(session=Depends(tenant_session)) -> dict:
    rows = await session.execute("SELECT * FROM mv_realtime_revenue")
    return {"rows": [dict(r) for r in rows]}
