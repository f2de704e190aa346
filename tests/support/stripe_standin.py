"""A local stand-in for the few Stripe endpoints SLA credits use, on pytest-httpserver.

It is a stand-in because localstripe (PyPI) does not serve /v1/customers/{id}/balance_transactions nor
/v1/credit_notes. Like Stripe it checks each request's path, parameter names and types against the API
reference (https://docs.stripe.com/api/customer_balance_transactions/create, /api/credit_notes/create,
/api/invoices/retrieve, /api/subscriptions/retrieve), answers unknown parameters with 400
parameter_unknown, refuses credit_amount/refund_amount on an invoice that is not paid, and keeps each
Idempotency-Key's first parameters and result: the same key again replays that result (errors too, as
Stripe does once a request started executing), the same key with other parameters gets 400
idempotency_error.
"""
from __future__ import annotations

import itertools
import json
import re
import time

from werkzeug import Response

INT = re.compile(r"^-?\d+$")
CURRENCY = re.compile(r"^[a-z]{3}$")

BALANCE_TXN = {"amount": INT, "currency": CURRENCY, "description": str, "metadata": dict}
CREDIT_NOTE = {"invoice": str, "amount": INT, "credit_amount": INT, "refund_amount": INT, "out_of_band_amount": INT,
               "memo": str, "reason": re.compile(r"^(duplicate|fraudulent|order_change|product_unsatisfactory)$"),
               "metadata": dict, "effective_at": INT, "email_type": str}


def _error(status: int, type_: str, message: str, **extra) -> tuple[int, dict]:
    return status, {"error": {"type": type_, "message": message, **extra}}


class StripeStandIn:
    def __init__(self, server):
        self.server = server
        self.calls: list[dict] = []  # every request: method, path, params, idempotency key
        self.balance_transactions: list[dict] = []
        self.credit_notes: list[dict] = []
        self.customers = {"sub_49": "cus_49"}  # subscription → customer
        self.invoices: dict[str, dict] = {}
        self.refusals: dict[str, str] = {}  # path fragment → message for the next matching request
        self.failures: dict[str, int] = {}  # path fragment → status of a server error before anything executed
        self.stalls: dict[str, float] = {}  # path fragment → seconds to hold the answer of an executed request
        self.afterwards: dict[str, object] = {}  # path fragment → called once the next matching POST executed
        self.script: dict[str, list] = {}  # path fragment → per matching POST: None (served) or an error status
        self._keys: dict[str, tuple] = {}
        self._ids = itertools.count(1)
        server.expect_request(re.compile(r"^/v1/.*")).respond_with_handler(self._handle)

    def refuse_next(self, path_fragment: str, message: str) -> None:
        self.refusals[path_fragment] = message

    def fail_next(self, path_fragment: str, status: int = 500) -> None:
        """The next matching POST fails with a server error before executing (nothing stored under its key)."""
        self.failures[path_fragment] = status

    def script_posts(self, path_fragment: str, outcomes: list) -> None:
        """The next matching POSTs, in turn: None is served, an int status (429, 500) fails before executing,
        a float is served but answered only after that many seconds (a client killed meanwhile never hears)."""
        self.script[path_fragment] = list(outcomes)

    def _scripted(self, path: str):
        for fragment, outcomes in self.script.items():
            if fragment in path and outcomes:
                return outcomes.pop(0)
        return None

    def stall_next(self, path_fragment: str, seconds: float) -> None:
        """The next matching POST executes (and is stored under its key) but answers only after `seconds`:
        a client with a shorter timeout gives up on a request that did happen."""
        self.stalls[path_fragment] = seconds

    def after_next(self, path_fragment: str, callback) -> None:
        """Call `callback()` once the next matching POST has executed, before it is answered (to stop our
        database between Stripe doing something and us recording it)."""
        self.afterwards[path_fragment] = callback

    def _take(self, faults: dict, path: str):
        for fragment in list(faults):
            if fragment in path:
                return faults.pop(fragment)
        return None

    def answer_late_next(self, path_fragment: str, seconds: float) -> None:
        """Issue 28's name for stall_next: carried out, answered past the client's timeout."""
        self.stall_next(path_fragment, seconds)

    # --- dispatch -------------------------------------------------------------------------------
    def _handle(self, request) -> Response:
        params = request.form.to_dict() if request.method == "POST" else request.args.to_dict()
        key = request.headers.get("Idempotency-Key")
        self.calls.append({"method": request.method, "path": request.path, "params": params, "key": key})
        if request.headers.get("Authorization", "")[:15] != "Bearer sk_test_":
            return self._json(*_error(401, "invalid_request_error", "Invalid API Key provided."))
        fingerprint = (request.method, request.path, tuple(sorted(params.items())))
        if key and key in self._keys:
            first, status, body = self._keys[key]
            if first != fingerprint:
                return self._json(*_error(400, "idempotency_error",
                                          "Keys for idempotent requests can only be used with the same parameters "
                                          f"they were first used with. Try using a key other than '{key}' if you "
                                          "meant to execute a different request."), replayed=False)
            return self._json(status, body, replayed=True)
        scripted = self._scripted(request.path) if request.method == "POST" else None
        if request.method == "POST" and (failure := self._take(self.failures, request.path) or
                                         (scripted if isinstance(scripted, int) else None)):
            return self._json(*_error(failure, "api_error", "An unknown error occurred (stand-in server error)."))
        status, body = self._route(request.method, request.path, params)
        # Validation failures are not kept under the key; results of requests that executed are.
        if key and request.method == "POST" and (status < 400 or body["error"].get("stored")):
            self._keys[key] = (fingerprint, status, body)
        if request.method == "POST" and (callback := self._take(self.afterwards, request.path)):
            callback()
        if request.method == "POST" and (stall := self._take(self.stalls, request.path) or
                                         (scripted if isinstance(scripted, float) else None)):
            time.sleep(stall)
        return self._json(status, body)

    def _route(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        for fragment, message in list(self.refusals.items()):
            if fragment in path:
                del self.refusals[fragment]
                # Refused after the request started executing: Stripe stores this result under the key.
                return _error(402, "invalid_request_error", message, stored=True)
        if m := re.fullmatch(r"/v1/subscriptions/([\w]+)", path):
            return self._subscription(method, m.group(1))
        if m := re.fullmatch(r"/v1/invoices/([\w]+)", path):
            return self._invoice(method, m.group(1))
        if m := re.fullmatch(r"/v1/customers/([\w]+)/balance_transactions", path):
            return self._balance_transaction(method, m.group(1), params)
        if path == "/v1/credit_notes":
            if method == "GET":
                return self._list([n for n in self.credit_notes if n["invoice"] == params.get("invoice")])
            return self._credit_note(method, params)
        return _error(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")

    # --- endpoints ------------------------------------------------------------------------------
    def _subscription(self, method, sub_id):
        if method != "GET" or sub_id not in self.customers:
            return _error(404, "invalid_request_error", f"No such subscription: '{sub_id}'", code="resource_missing")
        return 200, {"id": sub_id, "object": "subscription", "customer": self.customers[sub_id], "status": "active"}

    def _invoice(self, method, invoice_id):
        if method != "GET" or invoice_id not in self.invoices:
            return _error(404, "invalid_request_error", f"No such invoice: '{invoice_id}'", code="resource_missing")
        return 200, {"id": invoice_id, "object": "invoice", **self.invoices[invoice_id]}

    @staticmethod
    def _list(items: list[dict]) -> tuple[int, dict]:
        """A list as Stripe answers one: newest first."""
        return 200, {"object": "list", "data": list(reversed(items)), "has_more": False, "url": ""}

    def _balance_transaction(self, method, customer, params):
        if method == "GET" and customer in self.customers.values():
            return self._list([t for t in self.balance_transactions if t["customer"] == customer])
        if method != "POST" or customer not in self.customers.values():
            return _error(404, "invalid_request_error", f"No such customer: '{customer}'", code="resource_missing")
        problem = _check(params, BALANCE_TXN, required=("amount", "currency"))
        if problem:
            return problem
        txn = {"id": f"cbtxn_{next(self._ids)}", "object": "customer_balance_transaction", "customer": customer,
               "amount": int(params["amount"]), "currency": params["currency"], "type": "adjustment",
               "metadata": _metadata(params)}
        self.balance_transactions.append(txn)
        return 200, txn

    def _credit_note(self, method, params):
        problem = _check(params, CREDIT_NOTE, required=("invoice",))
        if problem:
            return problem
        invoice = self.invoices.get(params["invoice"])
        if invoice is None:
            return _error(404, "invalid_request_error", f"No such invoice: '{params['invoice']}'", param="invoice")
        amount = int(params.get("amount", 0))
        if invoice["status"] == "paid":
            parts = sum(int(params.get(k, 0)) for k in ("credit_amount", "refund_amount", "out_of_band_amount"))
            if parts != amount:
                return _error(400, "invalid_request_error", "The sum of credit_amount, refund_amount and "
                              "out_of_band_amount must equal the credit note amount for a paid invoice.")
        elif invoice["status"] == "open":
            if "credit_amount" in params or "refund_amount" in params:
                return _error(400, "invalid_request_error",
                              "credit_amount and refund_amount can only be used on a paid invoice.")
            if amount > invoice["amount_remaining"]:
                return _error(400, "invalid_request_error", "The credit note amount exceeds the amount remaining.")
            invoice["amount_remaining"] -= amount
        else:
            return _error(400, "invalid_request_error",
                          f"You can only create a credit note on an open or paid invoice ({invoice['status']}).")
        note = {"id": f"cn_{next(self._ids)}", "object": "credit_note", "invoice": params["invoice"],
                "amount": amount, "credit_amount": int(params.get("credit_amount", 0)), "metadata": _metadata(params)}
        self.credit_notes.append(note)
        return 200, note

    @staticmethod
    def _json(status: int, body: dict, replayed: bool = False) -> Response:
        body = {k: ({kk: vv for kk, vv in v.items() if kk != "stored"} if k == "error" else v) for k, v in body.items()}
        headers = {"Request-Id": "req_standin", **({"Idempotent-Replayed": "true"} if replayed else {})}
        return Response(json.dumps(body), status=status, headers=headers, content_type="application/json")


def _metadata(params: dict) -> dict:
    return {k[len("metadata["):-1]: v for k, v in params.items() if k.startswith("metadata[")}


def _check(params: dict, spec: dict, required: tuple[str, ...]):
    """Parameter names and types as the API reference documents them (form-encoded, metadata[...] hashes)."""
    for name, value in params.items():
        base = name.split("[", 1)[0]
        rule = spec.get(base)
        if rule is None:
            return _error(400, "invalid_request_error", f"Received unknown parameter: {name}",
                          code="parameter_unknown", param=name)
        if rule is dict and "[" not in name or rule is not dict and "[" in name:
            return _error(400, "invalid_request_error", f"Invalid {base}: wrong shape", param=name)
        if isinstance(rule, re.Pattern) and not rule.fullmatch(value):
            return _error(400, "invalid_request_error", f"Invalid value for {name}: {value!r}", param=name)
    for name in required:
        if name not in params:
            return _error(400, "invalid_request_error", f"Missing required param: {name}.", param=name)
    return None
