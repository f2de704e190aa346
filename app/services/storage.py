"""Object storage adapter: a local folder (embedded mode) or S3 (production), same interface."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import BinaryIO

from flask import current_app


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

    def open(self, key: str) -> BinaryIO:
        return open(self._path(key), "rb")

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

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
        from boto3.s3.transfer import TransferConfig

        # Multipart in 8 MiB parts: memory stays bounded whatever the archive size.
        config = TransferConfig(multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024,
                                max_concurrency=2)
        self.client.upload_fileobj(fileobj, self.bucket, key, ExtraArgs={"ContentType": content_type}, Config=config)

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
