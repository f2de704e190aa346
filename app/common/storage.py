"""Object storage adapter: a local folder (embedded mode) or S3 (production), same interface."""
from __future__ import annotations

import logging
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from flask import current_app

log = logging.getLogger(__name__)
PART_BYTES = 8 * 1024 * 1024
STALE_UPLOAD_AGE = timedelta(days=1)


class LocalStorage:
    name = "local"

    def __init__(self, root: str):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("storage key escapes the storage folder")
        return path

    def upload_fileobj(self, key: str, fileobj: BinaryIO, content_type: str = "application/octet-stream") -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".part")
        with open(tmp, "wb") as out:
            shutil.copyfileobj(fileobj, out, 1024 * 1024)
        tmp.replace(path)  # readers never see a half-written object

    def abort_stale_uploads(self, older_than: timedelta, now: datetime | None = None) -> int:
        """Remove half-written `.part` files a killed process left behind (the local twin of S3's)."""
        cutoff = ((now or datetime.now(UTC)) - older_than).timestamp()
        stale = [p for p in self.root.rglob("*.part") if p.stat().st_mtime < cutoff] if self.root.exists() else []
        for path in stale:
            path.unlink(missing_ok=True)
        return len(stale)

    def open(self, key: str) -> BinaryIO:
        return open(self._path(key), "rb")

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def list_keys(self, prefix: str) -> list[str]:
        """Every stored key starting with `prefix` (a folder such as "dsar/7/"), half-written ones included."""
        base = self._path(prefix.rstrip("/")) if prefix.strip("/") else self.root
        if not base.is_dir():
            return []
        return sorted(str(p.relative_to(self.root)) for p in base.rglob("*") if p.is_file())

    def presign(self, key: str, seconds: int, filename: str | None = None) -> str | None:
        return None  # local files are streamed by the app itself


class S3Storage:
    name = "s3"

    def __init__(self, bucket: str, endpoint_url: str | None, region: str):
        import boto3
        from botocore.config import Config as BotoConfig

        self.bucket = bucket
        self.client = boto3.client(
            "s3", endpoint_url=endpoint_url, region_name=region,
            config=BotoConfig(signature_version="s3v4", retries={"max_attempts": 2, "mode": "standard"},
                              connect_timeout=5, read_timeout=30),
        )

    def upload_fileobj(self, key: str, fileobj: BinaryIO, content_type: str = "application/octet-stream") -> None:
        """Sequential multipart upload in 8 MiB parts: memory stays bounded whatever the archive size.

        An earlier, interrupted upload of the same key (a killed work horse; a retry reuses the key)
        is aborted first, and a failing upload aborts itself, so no orphaned parts are left billed.
        What a killed process cannot abort, abort_stale_uploads() removes within a day."""
        self.abort_uploads(key)
        first = fileobj.read(PART_BYTES)
        if len(first) < PART_BYTES:  # small: one PUT, nothing to clean up if it fails
            self.client.put_object(Bucket=self.bucket, Key=key, Body=first, ContentType=content_type)
            return
        upload_id = self.client.create_multipart_upload(Bucket=self.bucket, Key=key,
                                                        ContentType=content_type)["UploadId"]
        try:
            parts, chunk, number = [], first, 1
            while chunk:
                etag = self.client.upload_part(Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number,
                                               Body=chunk)["ETag"]
                parts.append({"ETag": etag, "PartNumber": number})
                chunk, number = fileobj.read(PART_BYTES), number + 1
            self.client.complete_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id,
                                                  MultipartUpload={"Parts": parts})
        except BaseException:
            self._abort(key, upload_id)
            raise

    def abort_uploads(self, key: str) -> int:
        """Abort every unfinished multipart upload of exactly this key."""
        found = self._uploads(prefix=key)
        return sum(self._abort(u["Key"], u["UploadId"]) for u in found if u["Key"] == key)

    def abort_stale_uploads(self, older_than: timedelta, now: datetime | None = None) -> int:
        """Abort unfinished multipart uploads started before now - older_than (what an S3 lifecycle
        rule's AbortIncompleteMultipartUpload does, for stores that have no lifecycle rules)."""
        cutoff = (now or datetime.now(UTC)) - older_than
        return sum(self._abort(u["Key"], u["UploadId"]) for u in self._uploads() if u["Initiated"] < cutoff)

    def _uploads(self, prefix: str = "") -> list[dict]:
        pages = self.client.get_paginator("list_multipart_uploads").paginate(Bucket=self.bucket, Prefix=prefix)
        return [u for page in pages for u in page.get("Uploads", [])]

    def _abort(self, key: str, upload_id: str) -> bool:
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            log.info("aborted incomplete multipart upload of %s", key)
            return True
        except Exception as exc:  # storage down: the periodic job tries again later
            log.warning("could not abort multipart upload of %s: %s", key, exc)
            return False

    def open(self, key: str) -> BinaryIO:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"]

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def list_keys(self, prefix: str) -> list[str]:
        """Every object key starting with `prefix`; unfinished multipart uploads are aborted on the way."""
        for upload in self._uploads(prefix=prefix):
            self._abort(upload["Key"], upload["UploadId"])
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        return [o["Key"] for page in pages for o in page.get("Contents", [])]

    def presign(self, key: str, seconds: int, filename: str | None = None) -> str:
        params = {"Bucket": self.bucket, "Key": key}
        if filename:
            params["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=seconds)


def build_storage(config) -> LocalStorage | S3Storage:
    if config["STORAGE_BACKEND"] == "s3":
        if not config.get("S3_BUCKET"):
            raise RuntimeError("STORAGE_BACKEND=s3 needs S3_BUCKET")
        return S3Storage(config["S3_BUCKET"], config.get("S3_ENDPOINT_URL"), config["S3_REGION"])
    return LocalStorage(config["STORAGE_LOCAL_DIR"])


def get_storage() -> LocalStorage | S3Storage:
    """One adapter per app, built on first use (no connection at import or app creation)."""
    ext = current_app.extensions
    if "levqor_storage" not in ext:
        ext["levqor_storage"] = build_storage(current_app.config)
    return ext["levqor_storage"]


def abort_stale_uploads(now: datetime | None = None) -> int:
    """The periodic job's body: uploads unfinished for over a day will never finish."""
    started = time.monotonic()
    count = get_storage().abort_stale_uploads(STALE_UPLOAD_AGE, now=now)
    log.info("aborted %d stale upload(s) in %.1fs", count, time.monotonic() - started)
    return count
