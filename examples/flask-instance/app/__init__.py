"""A Flask app in the shape of the Flask tutorial: an app factory, an instance folder holding a
sqlite database, a log file, and a secret key it cannot start without."""

import logging
import os
import sqlite3
from logging.handlers import RotatingFileHandler

import click
from flask import Flask, g, jsonify


def create_app():
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY=os.environ["SECRET_KEY"],
        DATABASE=os.path.join(app.instance_path, "app.sqlite"),
    )
    os.makedirs(app.instance_path, exist_ok=True)

    os.makedirs("logs", exist_ok=True)
    handler = RotatingFileHandler("logs/app.log", maxBytes=1_000_000, backupCount=3)
    handler.setLevel(logging.INFO)
    app.logger.addHandler(handler)
    app.logger.setLevel(logging.INFO)

    def db():
        if "db" not in g:
            g.db = sqlite3.connect(app.config["DATABASE"])
        return g.db

    @app.teardown_appcontext
    def close_db(_error):
        conn = g.pop("db", None)
        if conn is not None:
            conn.close()

    @app.cli.command("init-db")
    def init_db():
        """Create the tables (idempotent): the release step."""
        conn = db()
        conn.execute("CREATE TABLE IF NOT EXISTS visits (id INTEGER PRIMARY KEY AUTOINCREMENT)")
        conn.commit()
        click.echo("database ready")

    @app.get("/")
    def index():
        conn = db()
        conn.execute("INSERT INTO visits DEFAULT VALUES")
        conn.commit()
        (count,) = conn.execute("SELECT COUNT(*) FROM visits").fetchone()
        app.logger.info("visit %s", count)
        return f"<h1>Hello from Flask</h1><p>{count} visits</p>\n"

    @app.get("/healthz")
    def healthz():
        db().execute("SELECT 1").fetchone()
        return jsonify(status="ok")

    return app
