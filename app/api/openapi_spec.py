"""The OpenAPI description of every /api/ route: one entry per (method, Flask rule), beside the code.

Why a hand-kept table and not a generator (apispec, spectree, flask-smorest): those describe a route by
decorating it or by moving its parsing into their schema classes; our routes parse through the strict
input layer (app/common/inputs.py), which stays the one source of truth for what is refused, and five
engineers edit the API modules at once. So the document lives here, and two tests keep it truthful:
tests/test_api/test_openapi.py fails when a rule in the URL map has no entry (or an entry no rule), and
schemathesis calls every operation on a live gunicorn and checks each answer against its schema.

Adding a route: add `"METHOD /api/rule/<int:id>": op(...)` to OPERATIONS — the rule exactly as Flask
spells it; `<int:x>` becomes an integer path parameter `{x}` by itself.
"""
from __future__ import annotations

STR, INT, BOOL = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
TIME = {"type": ["string", "null"], "format": "date-time"}
OBJ = {"type": "object"}
NINT = {"type": ["integer", "null"]}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def ok(**props) -> dict:
    """A success body: {ok: true, …props} (the props listed are required; more may follow)."""
    return {"type": "object", "required": ["ok", *props], "properties": {"ok": {"const": True}, **props}}


def body(required=(), **props) -> dict:
    return {"type": "object", "required": list(required), "properties": props}


ANY_STATE = {"type": "string"}
SCHEMAS = {
    # `message`/`fields` are English for programs; `localized` repeats them in the visitor's language (only
    # when that is not English: the `locale` cookie or Accept-Language), for the pages' scripts.
    "Error": {"type": "object", "required": ["ok", "error", "message"], "properties": {
        "ok": {"const": False}, "error": STR, "message": STR,
        "fields": {"type": "object", "additionalProperties": STR},
        "localized": {"type": "object", "required": ["message"], "properties": {
            "message": STR, "fields": {"type": "object", "additionalProperties": STR}}}}},
    "User": body(("id", "email", "name", "is_admin"), id=INT, email=STR, name={"type": ["string", "null"]},
                 is_admin=BOOL, locale={"enum": ["en", "de", None]}),
    "Export": body(("id", "status", "requested_at", "completed_at", "expires_at", "download_url"), id=INT,
                   status=ANY_STATE, requested_at=TIME, completed_at=TIME, expires_at=TIME,
                   download_url={"type": ["string", "null"]}, retrying=BOOL, reason={"type": ["string", "null"]}),
    "Claim": body(("id", "status"), id=INT, status=ANY_STATE, ticket_id=STR),
    "Incident": body(("id", "title", "status", "impact"), id=INT, title=STR, status=ANY_STATE, impact=ANY_STATE),
    "Erasure": body(("id", "status", "scheduled_for"), id=INT, status=ANY_STATE, requested_at=TIME,
                    scheduled_for=TIME, completed_at=TIME, hold_reason={"type": ["string", "null"]}),
    "Maintenance": body(("id", "title", "status"), id=INT, title=STR, status=ANY_STATE),
    "Listing": body(("total", "page", "per_page"), total=INT, page=INT, per_page=INT),
}
LIST = {"type": "array", "items": OBJ}

# Which errors each kind of caller can meet (every route can meet 400, 413, 422, 429 and 503).
COMMON = (400, 413, 415, 422, 429, 503)
USER = (*COMMON, 401, 403)
STAFF = (*USER,)


def op(summary: str, who: str, ok_status: int = 200, returns: dict | None = None, request: dict | None = None,
       errors: tuple[int, ...] = (), query: dict | None = None, content: str = "application/json") -> dict:
    """One operation. `who`: public | user | staff (sets the security and the 401/403 answers)."""
    return {"summary": summary, "who": who, "ok_status": ok_status, "returns": returns or ok(), "content": content,
            "request": request, "errors": tuple(sorted({*(STAFF if who != "public" else COMMON), *errors})),
            "query": query or {}}


def _v2(name: str) -> dict:
    return op(f"Statuspage v2 {name}", "public", returns={"type": "object", "required": ["page"]})


FILTERS = {"page": INT, "per_page": INT, "status": STR, "email": STR, "date_from": STR, "date_to": STR}
REASON = body(("reason",), reason=STR)
MESSAGE = body(("from", "body", "created_at"), body=STR, created_at=TIME, **{"from": {"enum": ["customer", "support"]}})
MESSAGE_BODY = body(("body",), body=STR)

OPERATIONS: dict[str, dict] = {
    # accounts
    "POST /api/auth/login": op("Sign in (session cookie) and get the CSRF token", "public", request=body(
        ("email", "password"), email=STR, password=STR), returns=ok(user=ref("User"), csrf_token=STR),
        errors=(401,)),
    "POST /api/auth/logout": op("Sign out", "user"),
    "GET /api/openapi.json": op("This document (OpenAPI 3.1)", "public", returns=OBJ),
    "GET /api/docs": op("This document, rendered (Swagger UI)", "public", returns=STR, content="text/html"),
    "GET /api/auth/me": op("The signed-in user", "user", returns=ok(user=ref("User"), csrf_token=STR)),
    "PATCH /api/auth/me": op("Save the signed-in user's language (pages and mails)", "user", request=body(
        ("locale",), locale={"enum": ["en", "de"]}), returns=ok(user=ref("User")), errors=(422,)),
    "GET /api/auth/csrf": op("A CSRF token for this session", "public", returns=ok(csrf_token=STR)),
    # dsar
    "POST /api/dsar/export": op("Request a data export (at most one per 30 days)", "user", 202,
                                ok(job_id=INT, export=ref("Export")), errors=(409,)),
    "GET /api/dsar/exports": op("Own exports, newest first", "user", returns=ok(exports={
        "type": "array", "items": ref("Export")})),
    "GET /api/admin/dsar/exports": op("Every export, filtered and paginated", "staff",
                                      returns=ok(exports=LIST, total=INT, page=INT, per_page=INT), query=FILTERS),
    "POST /api/admin/dsar/exports": op("Export on a user's behalf", "staff", 202, ok(job_id=INT),
                                       body(("email", "reason"), email=STR, reason=STR), (404, 409)),
    "POST /api/admin/dsar/exports/<int:export_id>/resend": op("Email the link again", "staff",
                                                              returns=ok(export=ref("Export")), errors=(404, 409)),
    "POST /api/admin/dsar/exports/<int:export_id>/invalidate": op(
        "Revoke the link and delete the archive", "staff", returns=ok(export=ref("Export")),
        request=body(reason=STR), errors=(404, 409)),
    "POST /api/admin/dsar/exports/<int:export_id>/extend": op(
        "Extend the deadline by up to two months, once", "staff", returns=ok(export=OBJ),
        request=body(("reason",), reason=STR, months=INT), errors=(404, 409)),
    # status (public)
    "GET /api/status": op("Overall and per-component status, incidents, history", "public",
                          returns=ok(overall=STR, components=OBJ), query={"window": {"enum": ["24h", "7d"]}}),
    "POST /api/status/subscribers": op("Subscribe by email or webhook (double opt-in)", "public", 202,
                                       ok(message=STR), body(email=STR, webhook_url=STR, components={
                                           "type": "array", "items": STR})),
    "GET /api/v2/summary.json": _v2("summary"),
    "GET /api/v2/status.json": _v2("status"),
    "GET /api/v2/components.json": _v2("components"),
    "GET /api/v2/incidents.json": _v2("incidents"),
    "GET /api/v2/incidents/unresolved.json": _v2("unresolved incidents"),
    "GET /api/v2/scheduled-maintenances.json": _v2("scheduled maintenances"),
    "GET /api/v2/scheduled-maintenances/upcoming.json": _v2("upcoming maintenances"),
    "GET /api/v2/scheduled-maintenances/active.json": _v2("active maintenances"),
    # status (staff)
    "POST /api/admin/incidents": op("Open an incident", "staff", 201, ok(incident=ref("Incident")), body(
        ("title", "impact", "message"), title=STR, impact=STR, message=STR, status=STR,
        components={"type": "array", "items": STR})),
    "POST /api/admin/incidents/<int:incident_id>/updates": op(
        "Post an incident update", "staff", 201, ok(incident=ref("Incident"), update=OBJ),
        body(("status", "message"), status=STR, message=STR), (404, 409)),
    "POST /api/admin/incidents/<int:incident_id>/postmortem": op(
        "Publish the postmortem of a resolved incident", "staff", 201, ok(incident=ref("Incident")),
        body(("body",), body=STR, notify=BOOL), (404, 409)),
    "GET /api/admin/maintenances": op("Scheduled maintenance windows", "staff", returns=ok(maintenances=LIST)),
    "POST /api/admin/maintenances": op("Schedule maintenance", "staff", 201, ok(maintenance=ref("Maintenance")),
                                       body(("title", "starts_at", "ends_at"), title=STR, message=STR,
                                            starts_at=STR, ends_at=STR, components={"type": "array", "items": STR})),
    "POST /api/admin/maintenances/<int:maintenance_id>": op(
        "Change a window before it starts", "staff", returns=ok(maintenance=ref("Maintenance")), request=OBJ,
        errors=(404, 409)),
    "POST /api/admin/maintenances/<int:maintenance_id>/cancel": op(
        "Cancel a window", "staff", returns=ok(maintenance=ref("Maintenance")), errors=(404, 409)),
    "POST /api/admin/maintenances/<int:maintenance_id>/complete": op(
        "Complete a window early", "staff", returns=ok(maintenance=ref("Maintenance")), errors=(404, 409)),
    "POST /api/admin/maintenances/<int:maintenance_id>/updates": op(
        "Post an update on a running window (in_progress, verifying, completed; ends_at extends it)", "staff", 201,
        ok(maintenance=ref("Maintenance"), update=OBJ),
        body(("status", "message"), status=STR, message=STR, ends_at=STR), (404, 409)),
    # sla
    "POST /api/support/sla-credit": op("File an SLA credit claim (JSON or multipart)", "user", 201,
                                       ok(ticket_id=STR, request=ref("Claim")), body(
                                           ("subscription_id", "period_start", "period_end",
                                            "claimed_downtime_minutes", "description"),
                                           subscription_id=INT, period_start=STR, period_end=STR,
                                           claimed_downtime_minutes=INT, description=STR), (404, 409)),
    "GET /api/support/sla-credit": op("Own claims and their decisions", "user", returns=ok(requests={
        "type": "array", "items": ref("Claim")})),
    "GET /api/support/sla-credit/overlaps": op("Incidents and maintenance in a window", "user",
                                               query={"period_start": STR, "period_end": STR}),
    "GET /api/admin/sla-credit": op("Every claim, filtered and paginated", "staff",
                                    returns=ok(requests=LIST, total=INT, page=INT, per_page=INT),
                                    query={**FILTERS, "plan": STR}),
    "GET /api/admin/sla-credit/<int:claim_id>": op("One claim with its measurement", "staff",
                                                   returns=ok(request=ref("Claim")), errors=(404,)),
    "GET /api/admin/sla-credit/<int:claim_id>/attachment": op(
        "The claim's attachment", "staff", returns={"type": "string", "format": "binary"}, errors=(404,),
        content="application/octet-stream"),
    "GET /api/admin/sla-credit/<int:claim_id>/checks.csv": op(
        "The 5-minute checks behind the claim's measurement (CSV)", "staff", returns=STR, errors=(404,),
        content="text/csv"),
    "POST /api/admin/sla-credit/<int:claim_id>/credit/retry": op(
        "Retry a pending credit", "staff", returns=ok(request=ref("Claim")), errors=(404, 409)),
    "POST /api/admin/sla-credit/<int:claim_id>/decision": op(
        "Approve or reject a pending claim", "staff", returns=ok(request=ref("Claim")),
        request=body(("status",), status={"enum": ["approved", "rejected"]}, credit_amount=INT, notes=STR,
                     stripe_ref=STR, credit_method=STR), errors=(404, 409)),
    "POST /api/admin/sla-credit/batch-decision": op(
        "Approve many pending claims with their suggested credits", "staff",
        returns=ok(approved=INT, skipped={"type": "array", "items": OBJ}),
        request=body(("ids", "status"), ids={"type": "array", "items": INT, "maxItems": 1000},
                     status={"enum": ["approved"]})),
    "POST /api/admin/sla-credit/<int:claim_id>/remeasure": op(
        "Measure the claim's billing period again", "staff", returns=ok(request=ref("Claim")), errors=(404, 409)),
    "GET /api/support/sla-credit/<int:claim_id>/checks.csv": op(
        "The 5-minute checks behind one's own claim's measurement (CSV)", "user", returns=STR, errors=(404,),
        content="text/csv"),
    "GET /api/support/sla-credit/preview": op(
        "The measurement staff will see for a claim, before filing", "user",
        returns=ok(billing_period_start=TIME, billing_period_end=TIME, period_charge=NINT,
                   monthly_uptime_percent={"type": ["number", "null"]}, suggested_credit_amount=NINT,
                   currency={"type": ["string", "null"]}, affected_runs=OBJ),
        query={"subscription_id": INT, "period_start": STR, "period_end": STR}, errors=(404,)),
    "POST /api/support/sla-credit/<int:claim_id>/dispute": op(
        "Dispute a decided claim (once, within SLA_DISPUTE_DAYS)", "user", 201, ok(request=ref("Claim")),
        REASON, (404, 409)),
    "POST /api/support/sla-credit/<int:claim_id>/messages": op(
        "Write on the claim's thread (support is emailed)", "user", 201, ok(message=MESSAGE), MESSAGE_BODY,
        (404,)),
    "POST /api/admin/sla-credit/<int:claim_id>/messages": op(
        "Write on the claim's thread (the customer is emailed)", "staff", 201, ok(message=MESSAGE), MESSAGE_BODY,
        (404,)),
    "POST /api/admin/sla-credit/<int:claim_id>/dispute-decision": op(
        "Uphold or revise an open dispute (not by the first decider)", "staff", returns=ok(request=ref("Claim")),
        request=body(("outcome", "notes"), outcome={"enum": ["upheld", "revised"]}, credit_amount=INT, notes=STR,
                     credit_method=STR), errors=(404, 409)),
    "POST /api/admin/sla-credit/<int:claim_id>/dispute-credit/retry": op(
        "Retry a revised dispute's pending difference", "staff", returns=ok(request=ref("Claim")),
        errors=(404, 409)),
    # dsar erasure (Art. 17)
    "POST /api/dsar/erasure": op("Ask for the account to be erased (password re-entered)", "user", 202,
                                 ok(request=ref("Erasure")), body(("password",), password=STR), (409,)),
    "GET /api/dsar/erasure": op("The newest erasure request, whatever its state", "user",
                                returns=ok(request={"anyOf": [ref("Erasure"), {"type": "null"}]})),
    "POST /api/dsar/erasure/<int:erasure_id>/cancel": op("Cancel a scheduled or held erasure", "user",
                                                         returns=ok(request=ref("Erasure")), errors=(404, 409)),
    "GET /api/admin/dsar/erasures": op("The erasure queue, filtered and paginated", "staff",
                                       returns=ok(erasures=LIST, total=INT, page=INT, per_page=INT), query=FILTERS),
    "POST /api/admin/dsar/erasures/<int:erasure_id>/hold": op(
        "Hold an erasure with a reason the person is told", "staff", returns=ok(request=ref("Erasure")),
        request=REASON, errors=(404, 409)),
    "POST /api/admin/dsar/erasures/<int:erasure_id>/release": op(
        "Release a held erasure", "staff", returns=ok(request=ref("Erasure")), errors=(404, 409)),
}
