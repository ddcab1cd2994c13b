from typing import Annotated

from fastapi import Header, HTTPException


async def get_query_token(token: str | None = None):
    if token is not None and token != "jessica":
        raise HTTPException(status_code=400, detail="No Jessica token provided")


async def get_token_header(x_token: Annotated[str | None, Header()] = None):
    if x_token is not None and x_token != "fake-super-secret-token":
        raise HTTPException(status_code=400, detail="X-Token header invalid")
