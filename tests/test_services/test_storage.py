"""The storage adapter on both backends: a local folder and S3 (moto's server over HTTP)."""
import io
import os
import urllib.request

import pytest

from app.common.storage import LocalStorage, get_storage


def roundtrip(storage, key):
    payload = os.urandom(9 * 1024 * 1024 + 17)  # > one multipart part: exercises streaming upload
    storage.upload_fileobj(key, io.BytesIO(payload), "application/zip")
    assert storage.exists(key)
    with storage.open(key) as stream:
        assert stream.read() == payload
    return payload


def test_local_backend_roundtrip_and_delete(tmp_path):
    storage = LocalStorage(str(tmp_path))
    roundtrip(storage, "dsar/1/abc.zip")
    assert storage.presign("dsar/1/abc.zip", 60) is None  # the app streams local files itself
    storage.delete("dsar/1/abc.zip")
    assert not storage.exists("dsar/1/abc.zip")
    storage.delete("dsar/1/abc.zip")  # deleting twice is fine


def test_local_backend_refuses_keys_outside_its_folder(tmp_path):
    storage = LocalStorage(str(tmp_path / "store"))
    with pytest.raises(ValueError):
        storage.upload_fileobj("../escape.txt", io.BytesIO(b"x"))
    assert not (tmp_path / "escape.txt").exists()


def test_s3_backend_multipart_upload_presign_and_delete(moto_s3):
    storage = get_storage()
    assert storage.name == "s3"
    payload = roundtrip(storage, "dsar/2/xyz.zip")
    assert moto_s3.keys() == ["dsar/2/xyz.zip"]
    url = storage.presign("dsar/2/xyz.zip", 120, filename="levqor-export.zip")
    assert "X-Amz-Signature" in url and "X-Amz-Expires=120" in url
    with urllib.request.urlopen(url) as res:  # noqa: S310  (local moto server)
        assert res.read() == payload
        assert "levqor-export.zip" in res.headers["Content-Disposition"]
    storage.delete("dsar/2/xyz.zip")
    assert moto_s3.keys() == []
    assert not storage.exists("dsar/2/xyz.zip")
