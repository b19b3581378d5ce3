"""The ceiling for the delivery load test: a minimal Flask endpoint that only upserts one row with
psycopg (no ORM, no sessions, no checks). Whatever our autosave reaches is compared with this.

    COP_CEILING_DSN=postgresql://root@127.0.0.1:5432/test gunicorn -k gthread ... bench.ceiling_app:app
"""
from __future__ import annotations

import os

from flask import Flask, jsonify, request
from psycopg_pool import ConnectionPool

app = Flask(__name__)
pool = ConnectionPool(os.environ["COP_CEILING_DSN"], min_size=4, max_size=16, open=True)

with pool.connection() as connection:
    connection.execute("CREATE TABLE IF NOT EXISTS bench_ceiling (id integer PRIMARY KEY, payload text, n integer)")


@app.post("/save/<int:row>")
def save(row: int):
    payload = request.get_data(as_text=True)
    with pool.connection() as connection:
        n = connection.execute(
            "INSERT INTO bench_ceiling (id, payload, n) VALUES (%s, %s, 1) "
            "ON CONFLICT (id) DO UPDATE SET payload = EXCLUDED.payload, n = bench_ceiling.n + 1 RETURNING n",
            (row, payload)).fetchone()[0]
    return jsonify({"seq": n})
