"""The emulator's HTTP face: the admin API under ``/_emulator/``, and every other path through the gateway to the
emulator's own gRPC server (the REST face of the four services).

Admin endpoints (JSON in and out; an error is ``{"error": "…"}`` with 400, 404 or 405):

- ``GET /_emulator/calls`` (``?method=RecognizeFile&status=OK``): the journal, oldest first.
- ``GET /_emulator/faults``, ``POST /_emulator/faults`` (one fault, or a list), ``DELETE /_emulator/faults``.
- ``GET /_emulator/operations``, ``GET /_emulator/operations/{id}``.
- ``POST /_emulator/operations/{id}:complete``; ``POST /_emulator/operations/{id}:fail`` with
  ``{"code": "INTERNAL", "message": "…"}`` (both optional).
- ``POST /_emulator/reset``: forget operations, calls and faults.
- ``GET /_emulator/config``, ``PUT /_emulator/config`` with the settings to change (as in the config file).
- ``POST /_emulator/clock:advance`` with ``{"seconds": 60}``: move the emulator's time forward.
- ``GET /_emulator/snapshot``: the operations and settings as a snapshot (:mod:`yc_contracts.emulator.snapshot`);
  ``POST /_emulator/restore`` with a snapshot: replace the operations (and settings) with its own.

Beside them, ``POST /iam/v1/tokens`` exchanges a service account's signed JWT for an IAM token
(:mod:`yc_contracts.emulator.iam`), so a client's ``token_url`` can point here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qs, unquote

import orjson

from yc_contracts.emulator.faults import Fault
from yc_contracts.emulator.iam import TOKEN_PATH, TokenError, rfc3339

if TYPE_CHECKING:
    from yc_contracts.emulator.core import Emulator

ADMIN_PREFIX: Final = "/_emulator/"
MAX_ADMIN_BODY: Final = 1024 * 1024
MAX_RESTORE_BODY: Final = 256 * 1024 * 1024
"""A snapshot may hold results of many megabytes each (``result_size``)."""

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class AdminError(Exception):
    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status


def http_app(emulator: Emulator) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """The ASGI app of the emulator's HTTP port: admin API, else the gateway in front of its gRPC server."""
    from yc_contracts.gateway.app import Gateway

    # The emulator checks requests itself (so invalid ones are journaled too); the gateway only transcodes.
    gateway = Gateway(upstreams=emulator.grpc_target, registry=emulator.registry, validate=False)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(ADMIN_PREFIX):
            await _admin(emulator, scope, receive, send)
            return
        if scope["type"] == "http" and scope["path"] == TOKEN_PATH:
            await _token(emulator, scope, receive, send)
            return
        await gateway(scope, receive, send)

    return app


async def _admin(emulator: Emulator, scope: Scope, receive: Receive, send: Send) -> None:
    verb = scope["method"]
    path = unquote(scope["path"][len(ADMIN_PREFIX) :])
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    try:
        body = await _body(receive, MAX_RESTORE_BODY if path == "restore" else MAX_ADMIN_BODY)
        status, payload = _route(emulator, verb, path, query, body)
    except AdminError as e:
        status, payload = e.status, {"error": str(e)}
    data = orjson.dumps(payload, default=str)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


async def _body(receive: Receive, limit: int = MAX_ADMIN_BODY) -> Any:
    chunks: list[bytes] = []
    size = 0
    while True:
        event = await receive()
        if event["type"] == "http.disconnect":
            break
        chunk = event.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise AdminError(413, f"this admin request body is at most {limit} bytes")
        chunks.append(chunk)
        if not event.get("more_body", False):
            break
    raw = b"".join(chunks).strip()
    if not raw:
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        raise AdminError(400, f"the body is not JSON: {e}") from None


async def _token(emulator: Emulator, scope: Scope, receive: Receive, send: Send) -> None:
    """``POST /iam/v1/tokens``: a signed JWT for an IAM token (:mod:`yc_contracts.emulator.iam`)."""
    status: int = 200
    payload: dict[str, Any] = {}
    try:
        if scope["method"] != "POST":
            raise AdminError(405, 'POST {"jwt": "…"} here')
        body = await _body(receive)
        jwt_text = body.get("jwt") if isinstance(body, dict) else None
        if not isinstance(jwt_text, str):
            raise AdminError(400, 'POST {"jwt": "<signed JWT>"}')
        token, expires = emulator.iam.exchange(jwt_text, emulator.clock.now())
        payload = {"iamToken": token, "expiresAt": rfc3339(expires)}
    except AdminError as e:
        status, payload = e.status, {"code": 3 if e.status == 400 else 12, "message": str(e), "details": []}
    except TokenError as e:
        status, payload = 401, {"code": 16, "message": str(e), "details": []}
    data = orjson.dumps(payload)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


def _route(emulator: Emulator, verb: str, path: str, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
    if path == "calls":
        _allow(verb, "GET")
        method = query.get("method", [None])[0]
        status = query.get("status", [None])[0]
        return 200, {"calls": [c.to_json() for c in emulator.calls(method, status=status)]}
    if path == "faults":
        _allow(verb, "GET", "POST", "DELETE")
        if verb == "GET":
            return 200, {"faults": [f.to_json() for f in emulator.faults.pending()]}
        if verb == "DELETE":
            emulator.faults.clear()
            return 200, {"faults": []}
        items = body if isinstance(body, list) else [body]
        if not items or not all(isinstance(item, dict) for item in items):
            raise AdminError(400, 'POST a fault object, or a list of them: {"method": "RecognizeFile", "code": …}')
        try:
            faults = [Fault.from_json(item) for item in items]  # all valid before any is added
        except (ValueError, TypeError) as e:
            raise AdminError(400, str(e)) from None
        added = [emulator.faults.add(fault) for fault in faults]
        return 201, {"faults": [f.to_json() for f in added]}
    if path == "operations":
        _allow(verb, "GET")
        return 200, {"operations": [r.summary() for r in emulator.operations.all()]}
    if path.startswith("operations/"):
        return _operation(emulator, verb, path[len("operations/") :], body)
    if path == "reset":
        _allow(verb, "POST")
        emulator.reset()
        return 200, {"reset": True}
    if path == "config":
        _allow(verb, "GET", "PUT")
        if verb == "PUT":
            if not isinstance(body, dict):
                raise AdminError(400, "PUT the settings to change as a JSON object")
            try:
                emulator.configure(**body)
            except (ValueError, TypeError) as e:
                raise AdminError(400, str(e)) from None
        return 200, emulator.config.to_json()
    if path == "clock:advance":
        _allow(verb, "POST")
        seconds = body.get("seconds") if isinstance(body, dict) else None
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0:
            raise AdminError(400, 'POST {"seconds": N} with N >= 0')
        emulator.clock.advance(float(seconds))
        return 200, {"now": emulator.clock.now()}
    if path == "snapshot":
        _allow(verb, "GET")
        return 200, emulator.snapshot()
    if path == "restore":
        _allow(verb, "POST")
        if not isinstance(body, dict):
            raise AdminError(400, "POST a snapshot (a JSON object, as GET /_emulator/snapshot gives)")
        try:
            restored = emulator.restore(body)
        except (ValueError, TypeError) as e:
            raise AdminError(400, str(e)) from None
        return 200, {"restored": len(restored), "operations": [r.id for r in restored]}
    raise AdminError(404, f"no admin endpoint {ADMIN_PREFIX}{path} (docs/emulator.md lists them)")


def _operation(emulator: Emulator, verb: str, rest: str, body: Any) -> tuple[int, Any]:
    operation_id, _, action = rest.partition(":")
    try:
        if not action:
            _allow(verb, "GET")
            return 200, emulator.operation(operation_id).summary()
        _allow(verb, "POST")
        if action == "complete":
            return 200, emulator.complete(operation_id).summary()
        if action == "fail":
            options = body if isinstance(body, dict) else {}
            unknown = sorted(set(options) - {"code", "message", "details"})
            if unknown:
                raise AdminError(400, f"unknown field {unknown[0]!r}: :fail takes 'code', 'message' and 'details'")
            return 200, emulator.fail(operation_id, **options).summary()
    except KeyError:
        raise AdminError(404, f"no operation {operation_id!r}") from None
    except ValueError as e:
        raise AdminError(409 if "already done" in str(e) else 400, str(e)) from None
    raise AdminError(404, f"no action {action!r} on operations (complete, fail)")


def _allow(verb: str, *allowed: str) -> None:
    if verb not in allowed:
        raise AdminError(405, f"{verb} is not allowed here; allowed: {', '.join(allowed)}")
