"""A Starlette app started with `python app.py`: uvicorn.run inside, static files from `statics`
and templates from `views`, both named in code."""

import os

import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

templates = Jinja2Templates(directory="views")


async def home(request):
    return templates.TemplateResponse(request, "index.html", {"title": "starlette-pyproject"})


async def health(request):
    return PlainTextResponse("ok")


app = Starlette(
    routes=[
        Route("/", home),
        Route("/health", health),
        Mount("/static", app=StaticFiles(directory="statics"), name="static"),
    ]
)

if __name__ == "__main__":
    uvicorn.run(app, host="0.0.0.0", port=int(os.environ.get("PORT", "8081")))
