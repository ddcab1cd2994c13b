"""A tiny FastAPI app: an in-memory item store and a health endpoint.

Run locally:  uvicorn app.main:app --host 127.0.0.1 --port 8000
"""

import platform
from threading import Lock

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

app = FastAPI(title="fastapi-uv")


class ItemIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    price: float = Field(ge=0)


class Item(ItemIn):
    id: int


_items: dict[int, Item] = {}
_lock = Lock()


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok", "python": platform.python_version()}


@app.get("/items")
def list_items() -> list[Item]:
    return list(_items.values())


@app.post("/items", status_code=201)
def create_item(item: ItemIn) -> Item:
    with _lock:
        new = Item(id=len(_items) + 1, **item.model_dump())
        _items[new.id] = new
    return new


@app.get("/items/{item_id}")
def get_item(item_id: int) -> Item:
    try:
        return _items[item_id]
    except KeyError:
        raise HTTPException(status_code=404, detail="item not found") from None
