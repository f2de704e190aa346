"""RQ jobs, the scheduler's periodic jobs and worker entry points.

Jobs take ids, reload what they need and are safe to run twice. Each one declares its queue,
timeout, ttls and retries with @job (jobs/queues.py).
"""
