"""The S3 media store against a real HTTP S3 server (moto's, on a free port of this machine): put,
get, exists, delete, a missing key, and a snapshot sent to the ingest API landing in the bucket."""
from __future__ import annotations

import hashlib
import socket

import pytest

from proctoring.media import MediaMissing, store_from_config, store_media
from proctoring.rules import LogKind
from proctoring.s3 import S3MediaStore
from tests.proctoring.telemetry.conftest import jpeg
from core.sealed import MAGIC

BUCKET = "cop-invigilation-test"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_config(s3_server, monkeypatch):
    """Credentials only from the standard environment, as in production; a bucket of the test's own."""
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_SESSION_TOKEN", "testing"), ("AWS_CONFIG_FILE", "/dev/null"),
                        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")):
        monkeypatch.setenv(name, value)
    config = {"INVIGILATION_MEDIA_BACKEND": "s3", "INVIGILATION_S3_BUCKET": BUCKET,
              "INVIGILATION_S3_ENDPOINT_URL": s3_server, "INVIGILATION_S3_REGION": "eu-west-2"}
    store = S3MediaStore.from_config(config)
    try:
        store.client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    except store.client.exceptions.BucketAlreadyOwnedByYou:
        pass
    return config


def test_put_get_exists_delete_and_a_missing_key(s3_config, tmp_path):
    store = store_from_config(s3_config, tmp_path)
    assert isinstance(store.inner, S3MediaStore)
    picture = jpeg()
    stored = store_media(store, invigilation_id=7, data=picture, content_type="image/jpeg", extension="jpg")
    assert stored.key == f"invigilation-7/{hashlib.sha256(picture).hexdigest()}.jpg"
    assert store.exists(stored.key) and store.get(stored.key) == picture
    head = store.inner.client.head_object(Bucket=BUCKET, Key=stored.key)
    in_bucket = store.inner.client.get_object(Bucket=BUCKET, Key=stored.key)["Body"].read()
    assert head["ContentType"] == "image/jpeg" and in_bucket.startswith(MAGIC) and picture not in in_bucket
    assert store.delete(stored.key) is True
    assert store.delete(stored.key) is False  # idempotent
    assert not store.exists(stored.key)
    with pytest.raises(MediaMissing):
        store.get(stored.key)
    with pytest.raises(ValueError):
        store.get("../etc/passwd")


def test_a_bucket_must_be_named(s3_config):
    with pytest.raises(ValueError, match="INVIGILATION_S3_BUCKET"):
        S3MediaStore.from_config({**s3_config, "INVIGILATION_S3_BUCKET": None})


def test_a_snapshot_sent_to_the_api_lands_in_the_bucket(app, db, client, s3_config, invigilated_attempt):
    from proctoring import log

    app.extensions["cop.media"] = store = store_from_config({**app.config, **s3_config}, app.instance_path)
    attempt = invigilated_attempt
    picture = jpeg(colour=(10, 200, 30))
    response = client.post(f"/api/v1/invigilation/attempts/{attempt.id}/snapshots", data=picture,
                           content_type="image/jpeg",
                           headers={"X-Client-Event-Id": "s3-1", "X-Captured-At": "2026-11-23T10:00:03Z"})
    assert response.status_code == 200, response.get_json()
    invigilation = log.invigilation_for(db, sitting_id=attempt.sitting_id, candidate_id=attempt.candidate_id,
                                        now=attempt.started_at, create=False)
    [row] = log.rows(db, invigilation.id, kinds={LogKind.SNAPSHOT})
    assert row.media_sha256 == hashlib.sha256(picture).hexdigest()
    in_bucket = store.inner.client.get_object(Bucket=BUCKET, Key=row.media_key)["Body"].read()
    assert picture not in in_bucket and store.get(row.media_key) == picture  # sealed in the bucket
