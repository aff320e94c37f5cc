"""The reference of the standings benchmark: a bare Flask JSON endpoint, no database, no auth, no cache.

It answers the body in BARE_BODY_FILE (a standings response captured from the product, so the size and
shape are the same), serialized per request by jsonify as the product's responses are; it is served by the
same gunicorn.conf.py. Not part of the product.
"""
import json
import os

from flask import Flask, jsonify

app = Flask(__name__)
with open(os.environ["BARE_BODY_FILE"]) as handle:
    BODY = json.load(handle)


@app.get("/bare")
def bare():
    return jsonify(BODY)
