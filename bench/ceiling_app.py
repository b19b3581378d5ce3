"""The ceiling for the delivery load bench: a minimal Flask endpoint that only upserts one row with
psycopg (no ORM, no sessions, no checks). The closed-loop scenario of bench/load_delivery.py runs the
same clients against it and against our autosave in one run, and reports the ratio.

    COP_CEILING_DSN=postgresql://root@127.0.0.1:5432/test gunicorn -k gthread ... bench.ceiling_app:app

The bench makes the table beforehand (in the schema its DSN's search_path names), so that the workers
starting at once do not race to make it; run by hand, the first worker makes it.
"""
from __future__ import annotations

import os

from flask import Flask, jsonify, request
from psycopg_pool import ConnectionPool

app = Flask(__name__)
# As many connections as a worker has threads (the bench passes it), so no request waits for one.
pool = ConnectionPool(os.environ["COP_CEILING_DSN"], min_size=4,
                      max_size=max(4, int(os.environ.get("COP_CEILING_POOL", "16"))), open=True)

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
