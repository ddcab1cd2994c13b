from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
import uvicorn

templates = Jinja2Templates(directory="templates")


async def homepage(request):
    return templates.TemplateResponse(request, "index.html", {"title": "Starlette example"})


async def api_ping(request):
    return JSONResponse({"ping": "pong"})


routes = [
    Route("/", homepage),
    Route("/api/ping", api_ping),
    Mount("/static", app=StaticFiles(directory="statics"), name="static"),
]

app = Starlette(debug=False, routes=routes)


if __name__ == "__main__":
    uvicorn.run(app, host="0.0.0.0", port=8000)
