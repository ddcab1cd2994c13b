import os

from quart import Quart, jsonify, render_template

app = Quart(__name__)

QUOTES = [
    {"id": 1, "text": "Simple is better than complex."},
    {"id": 2, "text": "Readability counts."},
]


@app.route("/")
async def index():
    return await render_template("index.html", quotes=QUOTES)


@app.route("/api/quotes")
async def quotes():
    return jsonify(QUOTES)


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", 5000)))
