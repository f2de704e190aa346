"""SLA jobs of issue 22: the proactive run after billing periods close, and the batch of credits it (or staff
approving many drafts at once) hands to Stripe. Both take ids or nothing, and are safe to run twice."""
from app.sla import batch, proactive
from jobs.queues import job


@job("sla.proactive", queue="default", timeout=900, result_ttl=24 * 3600)
def run_proactive() -> dict:
    """Measure closed billing periods and draft (or, in auto, credit) what was missed; nothing twice. Every
    hour: a period that closed while Redis or the scheduler was down is drafted by the next run that happens."""
    report = proactive.run()
    return {"mode": report.mode, "drafted": len(report.drafted), "approved": report.approved,
            "skipped": report.skipped, "measured_windows": report.measured_windows}


@job("sla.issue_credits", queue="default", timeout=1800, result_ttl=24 * 3600)
def issue_credits(claim_ids: list[int]) -> dict:
    return batch.issue_pending(claim_ids)


@job("sla.sweep_credits", queue="default", timeout=120, result_ttl=3600)
def sweep_credits() -> int:
    """Queue again credits left waiting: Stripe was busy, or the worker making them died."""
    return batch.sweep()
