"""The customer's DSAR archive holds each SLA claim's dispute and message thread (issue 21, point 2), with
staff shown by role and another customer's thread nowhere."""
import json
from datetime import UTC, datetime

from app.extensions import db
from app.models import SlaClaimMessage, SlaCreditRequest, SlaDispute
from tests.test_dsar.helpers import export_and_open


def _claim(user_id, staff_id, description):
    claim = SlaCreditRequest(user_id=user_id, plan="pro", period_start=datetime(2026, 11, 3, 10, tzinfo=UTC),
                             period_end=datetime(2026, 11, 3, 12, tzinfo=UTC), description=description,
                             status="approved", decision="approved", credit_amount=490, currency="USD",
                             decided_by=staff_id, decided_at=datetime(2026, 11, 5, tzinfo=UTC))
    db.session.add(claim)
    db.session.flush()
    return claim


def test_sla_claims_json_carries_the_dispute_and_the_thread(client, login, user, admin, make_user, drain_queues,
                                                            smtp):
    claim = _claim(user.id, admin.id, "API down")
    db.session.add(SlaDispute(claim_id=claim.id, user_id=user.id, reason="It was three hours.", status="revised",
                              first_credit_amount=490, credit_difference=735, decided_by=admin.id,
                              decided_at=datetime(2026, 11, 7, tzinfo=UTC), notes="Workflow outage confirmed."))
    for side, author, body in (("customer", user.id, "Please look again."), ("support", admin.id, "Revised.")):
        db.session.add(SlaClaimMessage(claim_id=claim.id, user_id=user.id, author_id=author, side=side, body=body))
    other = make_user("other-thread@example.com")
    other_claim = _claim(other.id, admin.id, "theirs")
    db.session.add(SlaClaimMessage(claim_id=other_claim.id, user_id=other.id, author_id=other.id, side="customer",
                                   body="OTHER-CUSTOMER-CANARY"))
    db.session.commit()

    files, _ = export_and_open(client, login, user, drain_queues)
    [record] = json.loads(files["sla_claims.json"])
    assert record["dispute"]["reason"] == "It was three hours." and record["dispute"]["status"] == "revised"
    assert record["dispute"]["credit_difference"] == 735 and record["dispute"]["decided_by"] == "Levqor staff"
    assert [(m["from"], m["body"]) for m in record["messages"]] == [("you", "Please look again."),
                                                                     ("Levqor staff", "Revised.")]
    assert not any(b"OTHER-CUSTOMER-CANARY" in data for data in files.values())
    assert admin.email.encode() not in files["sla_claims.json"]
    manifest = json.loads(files["manifest.json"])
    counts = {c["table"]: c["records"] for c in manifest["categories"]}
    assert counts["sla_disputes"] == 1 and counts["sla_claim_messages"] == 2
