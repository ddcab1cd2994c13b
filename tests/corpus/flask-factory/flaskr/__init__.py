"""A Flask app built the way the Flask tutorial builds one: an application factory and blueprints."""

import os

from flask import Flask


def create_app(test_config=None):
    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("SECRET_KEY", "dev"),
        GREETING=os.environ.get("GREETING", "Hello from the factory"),
    )
    if test_config is not None:
        app.config.update(test_config)

    from . import blog, health

    app.register_blueprint(health.bp)
    app.register_blueprint(blog.bp)
    app.add_url_rule("/", endpoint="index")
    return app
