"""The ceiling of the page benchmark: the smallest Flask app, under the same gunicorn."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    """One short text, no database, no templates."""
    return "Hello"
