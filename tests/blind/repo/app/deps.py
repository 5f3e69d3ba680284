"""Request dependencies."""

from fastapi import Header, HTTPException


def current_user(x_user_id: str | None = Header(default=None)) -> str:
    if not x_user_id:
        raise HTTPException(status_code=401, detail="missing user")
    return x_user_id
