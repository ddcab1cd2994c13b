from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel

from ..dependencies import get_token_header

router = APIRouter(prefix="/items", tags=["items"], dependencies=[Depends(get_token_header)])


class Item(BaseModel):
    name: str
    price: float


fake_items_db = {"plumbus": Item(name="Plumbus", price=3.5), "gun": Item(name="Portal Gun", price=99.9)}


@router.get("/")
async def read_items() -> dict[str, Item]:
    return fake_items_db


@router.get("/{item_id}")
async def read_item(item_id: str) -> Item:
    if item_id not in fake_items_db:
        raise HTTPException(status_code=404, detail="Item not found")
    return fake_items_db[item_id]
