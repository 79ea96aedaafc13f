"""The handler Prime Bot's webhook documentation ("Webhooks") tells Flask users to write: read the
raw body, HMAC-SHA256 it, hmac.compare_digest with the `sha256=` header, then parse the JSON.
It reads GitHub's `X-Hub-Signature-256` (the same format) so that it verifies exactly the requests
the other rows of bench/http.sh get. Served by gunicorn (see bench/http.sh)."""

import hashlib
import hmac
import os

from flask import Flask, abort, request

app = Flask(__name__)
SECRET = os.environ.get("WEBHOOK_SECRET", "bench-secret-of-32-characters!!!").encode()


@app.post("/webhooks")
def handle():
    raw = request.get_data()
    received = request.headers.get("X-Hub-Signature-256", "")
    expected = "sha256=" + hmac.new(SECRET, raw, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(received, expected):
        abort(401)
    event = request.get_json(force=True)
    if event is None:
        abort(400)
    return "", 204
