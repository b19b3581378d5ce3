"""Invigilation media in any S3-compatible store (AWS S3, MinIO, Ceph, …), chosen with
``INVIGILATION_MEDIA_BACKEND = "s3"``. The bucket, endpoint and region come from configuration
(``INVIGILATION_S3_BUCKET``, ``_ENDPOINT_URL``, ``_REGION``); credentials only from the standard AWS
environment (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, or an instance role), never from a
configuration file. Objects are private (no ACL is ever set) and written with their SHA-256 checked
by the store (``ChecksumSHA256``) where it supports that. Keys are ``proctoring.media``'s."""
from __future__ import annotations

import base64
import hashlib

from proctoring.media import MediaMissing, _checked

_MISSING = {"NoSuchKey", "404", "NotFound"}


class S3MediaStore:
    def __init__(self, bucket: str, *, endpoint_url: str | None = None, region: str | None = None, client=None):
        if not bucket:
            raise ValueError("INVIGILATION_S3_BUCKET must name the bucket when INVIGILATION_MEDIA_BACKEND is 's3'")
        self.bucket = bucket
        if client is None:
            import boto3
            from botocore.config import Config

            client = boto3.session.Session().client(
                "s3", endpoint_url=endpoint_url or None, region_name=region or None,
                config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=20))
        self.client = client

    @classmethod
    def from_config(cls, config) -> "S3MediaStore":
        return cls(config.get("INVIGILATION_S3_BUCKET") or "", endpoint_url=config.get("INVIGILATION_S3_ENDPOINT_URL"),
                   region=config.get("INVIGILATION_S3_REGION"))

    def put(self, key: str, data: bytes, content_type: str) -> None:
        checksum = base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")
        self.client.put_object(Bucket=self.bucket, Key=_checked(key), Body=data, ContentType=content_type,
                               ChecksumSHA256=checksum)

    def get(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=_checked(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                raise MediaMissing(key) from error
            raise
        return answer["Body"].read()

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=_checked(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                return False
            raise
        return True

    def delete(self, key: str) -> bool:
        """True if the object was there (S3's own delete answers alike either way, so look first)."""
        if not self.exists(key):
            return False
        self.client.delete_object(Bucket=self.bucket, Key=_checked(key))
        return True
