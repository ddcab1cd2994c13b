import os
from waitress import serve
from inventory import app

def main():
    serve(app, host="0.0.0.0", port=int(os.environ.get("PORT", "8080")))
