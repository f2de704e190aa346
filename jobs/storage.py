"""Object-storage housekeeping: uploads that a killed process left unfinished."""
from app.common import storage
from jobs.queues import job


@job("storage.abort_stale_uploads", queue="default", timeout=600, result_ttl=3600)
def abort_stale_uploads_job() -> int:
    return storage.abort_stale_uploads()
