import os
import sqlite3

from flask import Flask, g, render_template, request, redirect, url_for


def get_db():
    if "db" not in g:
        from flask import current_app

        g.db = sqlite3.connect(current_app.config["DATABASE"])
        g.db.row_factory = sqlite3.Row
    return g.db


def close_db(e=None):
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_db(app):
    with app.app_context():
        db = get_db()
        db.executescript(
            "CREATE TABLE IF NOT EXISTS note ("
            " id INTEGER PRIMARY KEY AUTOINCREMENT,"
            " body TEXT NOT NULL)"
        )
        db.commit()


def create_app(test_config=None):
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY=os.environ["SECRET_KEY"],
        DATABASE=os.path.join(app.instance_path, "notes.sqlite"),
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)

    # ensure the instance folder exists
    try:
        os.makedirs(app.instance_path)
    except OSError:
        pass

    app.teardown_appcontext(close_db)
    init_db(app)

    @app.route("/")
    def index():
        notes = get_db().execute("SELECT id, body FROM note ORDER BY id DESC").fetchall()
        return render_template("index.html", notes=notes)

    @app.post("/notes")
    def add():
        db = get_db()
        db.execute("INSERT INTO note (body) VALUES (?)", (request.form["body"],))
        db.commit()
        return redirect(url_for("index"))

    return app
