from flask import Blueprint, current_app, render_template

bp = Blueprint("blog", __name__)

POSTS = [
    {"id": 1, "title": "First post", "body": "Written with an application factory."},
    {"id": 2, "title": "Second post", "body": "Served by gunicorn in a container."},
]


@bp.route("/")
def index():
    return render_template("blog/index.html", posts=POSTS, greeting=current_app.config["GREETING"])


@bp.route("/posts/<int:post_id>")
def post(post_id):
    found = next((p for p in POSTS if p["id"] == post_id), None)
    if found is None:
        return {"error": "not found"}, 404
    return render_template("blog/post.html", post=found)
