"""Shaped after FastAPI's "bigger applications" tutorial: an app package, routers, dependencies."""

from fastapi import FastAPI

from .routers import items, users

app = FastAPI(title="Inventory")
app.include_router(users.router)
app.include_router(items.router)


@app.get("/")
async def root():
    return {"message": "Hello Bigger Applications!"}


@app.get("/health")
async def health():
    return {"status": "ok"}
