import sqlalchemy as sa
from flask import render_template

from app import app, db
from app.models import Post


@app.route("/")
@app.route("/index")
def index():
    posts = db.session.scalars(sa.select(Post).order_by(Post.timestamp.desc())).all()
    return render_template("index.html", title="Home", posts=posts)
