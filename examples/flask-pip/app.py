"""A tiny Flask app: a greeting page and a health endpoint.

Run locally:  gunicorn --bind 127.0.0.1:8000 app:app
"""

import os
import platform

from flask import Flask, jsonify, render_template, request

app = Flask(__name__)

GREETING = os.environ.get("GREETING", "Hello")


@app.get("/")
def index():
    name = request.args.get("name", "world")[:64]
    return render_template("index.html", greeting=GREETING, name=name)


@app.get("/healthz")
def healthz():
    return jsonify(status="ok", python=platform.python_version())


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8000)
