"""Auth guard: the single source of truth for authentication and tenant ownership.

Routers never parse tokens themselves: they take `user = Depends(get_current_user)` and
call one of the verify_*_ownership() helpers before touching a tenant-scoped row. A row
of another tenant answers 404, exactly like a row that does not exist, so a caller
cannot probe which ids exist.
"""
import os
from typing import Optional

import jwt
from fastapi import Header, HTTPException

from backend.modules.db import get_supabase

JWT_AUDIENCE = "authenticated"


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status_code=401, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def _not_found(what: str) -> HTTPException:
    return HTTPException(status_code=404, detail=f"{what} not found")


def get_current_user(authorization: Optional[str] = Header(default=None)) -> dict:
    """The caller, from a Supabase access token; 401 when missing, invalid, expired or revoked."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise _unauthorized("missing bearer token")
    token = authorization.split(" ", 1)[1].strip()
    try:
        claims = jwt.decode(token, os.environ["SUPABASE_JWT_SECRET"], algorithms=["HS256"],
                            audience=JWT_AUDIENCE)
    except jwt.ExpiredSignatureError:
        raise _unauthorized("token expired")
    except jwt.InvalidTokenError:
        raise _unauthorized("invalid token")
    profile = (get_supabase().table("users").select("id, tenant_id, status")
               .eq("id", claims["sub"]).maybe_single().execute().data)
    if profile is None or profile["status"] != "active":
        raise _unauthorized("user revoked")
    return {"id": profile["id"], "tenant_id": profile["tenant_id"], "email": claims.get("email")}


def verify_twin_ownership(twin_id: str, user: dict) -> dict:
    twin = (get_supabase().table("twins").select("*").eq("id", twin_id)
            .eq("tenant_id", user["tenant_id"]).maybe_single().execute().data)
    if twin is None:
        raise _not_found("twin")
    return twin


def verify_source_ownership(source_id: str, user: dict) -> dict:
    source = (get_supabase().table("sources").select("*, twins!inner(tenant_id)").eq("id", source_id)
              .eq("twins.tenant_id", user["tenant_id"]).maybe_single().execute().data)
    if source is None:
        raise _not_found("source")
    return source


def verify_conversation_ownership(conversation_id: str, user: dict) -> dict:
    conversation = (get_supabase().table("conversations").select("*, twins!inner(tenant_id)")
                    .eq("id", conversation_id).eq("twins.tenant_id", user["tenant_id"])
                    .maybe_single().execute().data)
    if conversation is None:
        raise _not_found("conversation")
    return conversation
