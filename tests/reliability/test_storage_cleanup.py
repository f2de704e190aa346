"""Storage stays clean: an interrupted multipart upload is aborted, a retry of the same key aborts the
orphan a killed work horse left, and the periodic job aborts anything unfinished for over a day.
On moto's S3 server over HTTP (tests/support/services.py)."""
from __future__ import annotations

import io
import os
import time
from datetime import timedelta

import pytest

from app.common import storage
from app.common.storage import PART_BYTES, LocalStorage, get_storage
from jobs.schedule import PERIODIC_JOBS


class Breaks(io.RawIOBase):
    """A stream that yields `good` bytes and then fails, like an archive build dying mid-upload."""

    def __init__(self, good: int):
        self.left = good

    def readable(self):
        return True

    def read(self, size=-1):
        if self.left <= 0:
            raise OSError("archive build died")
        chunk = min(size if size > 0 else self.left, self.left)
        self.left -= chunk
        return b"x" * chunk


def uploads(s3) -> list[dict]:
    return s3.client().list_multipart_uploads(Bucket=s3.bucket).get("Uploads", [])


def test_a_failing_upload_aborts_its_multipart_upload(app, moto_s3):
    with pytest.raises(OSError):
        get_storage().upload_fileobj("dsar/1/broken.zip", Breaks(PART_BYTES + 10), "application/zip")
    assert uploads(moto_s3) == []
    assert moto_s3.keys() == []


def test_a_retry_of_the_same_key_aborts_the_orphan_of_a_killed_upload(app, moto_s3):
    client = moto_s3.client()
    key = "dsar/1/retried.zip"
    orphan = client.create_multipart_upload(Bucket=moto_s3.bucket, Key=key)["UploadId"]
    client.upload_part(Bucket=moto_s3.bucket, Key=key, UploadId=orphan, PartNumber=1, Body=b"y" * PART_BYTES)
    other = client.create_multipart_upload(Bucket=moto_s3.bucket, Key="dsar/2/other.zip")["UploadId"]

    get_storage().upload_fileobj(key, io.BytesIO(b"z" * (PART_BYTES + 5)), "application/zip")

    assert [u["UploadId"] for u in uploads(moto_s3)] == [other]  # only another key's upload is left
    assert moto_s3.get(key) == b"z" * (PART_BYTES + 5)


def test_the_periodic_job_aborts_uploads_unfinished_for_over_a_day(app, moto_s3):
    client = moto_s3.client()
    client.create_multipart_upload(Bucket=moto_s3.bucket, Key="dsar/3/old.zip")
    # moto reports one fixed `Initiated` time for every upload, so the clock is set relative to it.
    [upload] = uploads(moto_s3)
    started = upload["Initiated"]
    assert storage.abort_stale_uploads(now=started + timedelta(hours=23)) == 0  # may still be running
    assert len(uploads(moto_s3)) == 1
    assert storage.abort_stale_uploads(now=started + timedelta(days=1, minutes=1)) == 1
    assert uploads(moto_s3) == []


def test_local_storage_removes_half_written_files_older_than_a_day(app, tmp_path):
    local = LocalStorage(str(tmp_path))
    (tmp_path / "dsar").mkdir()
    stale, fresh = tmp_path / "dsar" / "a.zip.part", tmp_path / "dsar" / "b.zip.part"
    stale.write_bytes(b"x")
    fresh.write_bytes(b"x")
    day_ago = time.time() - 86_400 - 60
    os.utime(stale, (day_ago, day_ago))
    assert local.abort_stale_uploads(timedelta(days=1)) == 1
    assert not stale.exists() and fresh.exists()


def test_the_cleanup_is_declared_as_a_periodic_job():
    [periodic] = [p for p in PERIODIC_JOBS if p.job == "storage.abort_stale_uploads"]
    assert periodic.cron.split()[1] == "*"  # at least hourly
