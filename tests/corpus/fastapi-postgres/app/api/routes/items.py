from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.db import get_session
from app.models import Item

router = APIRouter(prefix="/items", tags=["items"])

SessionDep = Annotated[Session, Depends(get_session)]


class ItemIn(BaseModel):
    title: str
    description: str | None = None


class ItemOut(ItemIn):
    id: int


@router.get("/", response_model=list[ItemOut])
def read_items(session: SessionDep, skip: int = 0, limit: int = 100):
    return session.scalars(select(Item).offset(skip).limit(limit)).all()


@router.post("/", response_model=ItemOut)
def create_item(session: SessionDep, item_in: ItemIn):
    item = Item(**item_in.model_dump())
    session.add(item)
    session.commit()
    session.refresh(item)
    return item
