from flask import Flask, render_template

app = Flask(__name__, template_folder="templates")


@app.get("/")
def index():
    return render_template("index.html", title="flask-constraints")


@app.get("/healthz")
def healthz():
    return {"status": "ok"}
