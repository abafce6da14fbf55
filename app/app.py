"""The accesslog demo application: an in-memory items REST API whose access log feeds the pipeline.

    python app.py [--host 0.0.0.0] [--port 8080] [--threads 8] [--log app.log]

Every request that reaches the application writes exactly one line to ``app.log`` in the working
directory (or to the path in ``ACCESSLOG_APP_LOG``), in the format of SPEC §6 (combined + KST
offset + duration in ms), however the app is served: ``python app.py``, ``flask --app app.py run``,
``waitress-serve --call app:create_app`` or ``gunicorn 'app:create_app()'``:

    203.0.113.9 - - [22/Nov/2026:19:15:32.118 +0900] "GET /api/items?page=2 HTTP/1.1" 200 512 "-" "curl/8.5.0" 3.412

Nothing else goes to that file: server, Flask and error messages go to stderr (journald on EC2).

Endpoints (JSON in and out):
    GET    /health                      liveness
    GET    /api/items?page=&per_page=   list, paged (400 for a page that is not a positive integer)
    POST   /api/items                   create {"name": str, "price": number >= 0, "tags": [str]}
    GET    /api/items/<id>              one item (404 when absent)
    PUT    /api/items/<id>              replace (same body as POST)
    DELETE /api/items/<id>              delete (204)
    GET    /api/slow?ms=N               answers after N ms (default: random 50-1500), variable latency
    GET    /api/fail[?code=5xx]         fails: an unhandled exception (500) or the given 5xx code
"""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import os
import random
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

# Korea has observed no daylight saving time since 1988, so a fixed offset is exact and does not
# depend on the host's tz database or its TZ setting.
KST = timezone(timedelta(hours=9), "KST")

# strftime("%b") follows the process locale; the log format needs the English abbreviations.
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

ACCESS_LOGGER = "accesslog.access"
APP_LOG_ENV = "ACCESSLOG_APP_LOG"
DEFAULT_APP_LOG = "app.log"
MAX_SLOW_MS = 5000
MAX_PER_PAGE = 100
SEED_ITEMS = 20


def format_log_time(epoch: float) -> str:
    """`dd/Mon/yyyy:HH:MM:SS.mmm +0900` for an instant, always in KST."""
    dt = datetime.fromtimestamp(epoch, KST)
    offset = dt.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return (
        f"{dt.day:02d}/{MONTHS[dt.month - 1]}/{dt.year:04d}:"
        f"{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}.{dt.microsecond // 1000:03d} "
        f"{sign}{minutes // 60:02d}{minutes % 60:02d}"
    )


def escape_field(value: str) -> str:
    """Apache-style escaping so a quoted field can always be split back out of the line.

    WSGI hands header values and the request URI over as latin-1 decoded bytes, so every character
    below U+0100 stands for one byte on the wire: `"` and `\\` get a backslash, printable ASCII
    stays, every other byte becomes `\\xhh`.
    """
    out = []
    for ch in value:
        code = ord(ch)
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif 0x20 <= code < 0x7F:
            out.append(ch)
        elif code < 0x100:
            out.append(f"\\x{code:02x}")
        else:
            out.extend(f"\\x{b:02x}" for b in ch.encode("utf-8"))
    return "".join(out)


def request_target(environ: dict) -> str:
    """The request target as the client sent it (waitress keeps it in REQUEST_URI)."""
    raw = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if raw:
        return raw
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    target = quote(path.encode("latin-1"), safe="/;:@&=+$,!~*'()%")
    query = environ.get("QUERY_STRING", "")
    return f"{target}?{query}" if query else target


def format_access_line(
    environ: dict, start: float, status: str, size: int, duration_ms: float
) -> str:
    request_line = "{} {} {}".format(
        environ.get("REQUEST_METHOD", "-"),
        request_target(environ),
        environ.get("SERVER_PROTOCOL", "HTTP/1.0"),
    )
    referrer = environ.get("HTTP_REFERER") or "-"
    agent = environ.get("HTTP_USER_AGENT") or "-"
    return '{host} - - [{time}] "{req}" {status} {size} "{ref}" "{ua}" {dur:.3f}'.format(
        host=environ.get("REMOTE_ADDR") or "-",
        time=format_log_time(start),
        req=escape_field(request_line),
        status=status,
        size=size,
        ref=escape_field(referrer),
        ua=escape_field(agent),
        dur=duration_ms,
    )


class AccessLog:
    """WSGI middleware that writes one app.log line per request.

    `create_app` puts it around Flask's `wsgi_app`, which is what every server ends up calling
    (`flask run`, waitress, gunicorn), so no way of starting the app can skip it or apply it twice.
    Flask's own error handling (404, 405, the 500 for an unhandled exception) runs inside
    `wsgi_app`, so those responses are logged like any other. The body is
    collected before the line is written: the responses here are small JSON documents, and it
    means the line carries the exact byte count even when the client goes away mid-response.
    """

    def __init__(self, app, logger: logging.Logger):
        self.app = app
        self.logger = logger

    def __call__(self, environ, start_response):
        start = time.time()
        t0 = time.perf_counter()
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"] = status.split(" ", 1)[0]
            return start_response(status, headers, exc_info)

        body = self.app(environ, capture)
        try:
            chunks = list(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        duration_ms = (time.perf_counter() - t0) * 1000.0
        size = sum(len(c) for c in chunks)
        self.logger.info(
            format_access_line(environ, start, captured.get("status", "500"), size, duration_ms)
        )
        return chunks


def access_log_path() -> str:
    """`ACCESSLOG_APP_LOG`, else `app.log` in the working directory, made absolute now so a later
    change of directory does not move the log."""
    return os.path.abspath(os.environ.get(APP_LOG_ENV) or DEFAULT_APP_LOG)


def make_access_logger(path: str) -> logging.Logger:
    # One logger per file: two apps in one process (tests) must not take each other's handler.
    logger = logging.getLogger(f"{ACCESS_LOGGER}.{path}")
    logger.setLevel(logging.INFO)
    # The access lines must not also reach the root logger's stderr handler.
    logger.propagate = False
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    # WatchedFileHandler reopens the file after logrotate renames it, and serialises writes from
    # the server's worker threads, so lines never interleave.
    handler = logging.handlers.WatchedFileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    return logger


class ItemStore:
    def __init__(self, seed_items: int = SEED_ITEMS):
        self._lock = threading.Lock()
        self._items: dict[int, dict] = {}
        self._next_id = 1
        for i in range(seed_items):
            self.create({"name": f"item-{i + 1}", "price": round(1.5 * (i + 1), 2), "tags": []})

    def create(self, fields: dict) -> dict:
        with self._lock:
            item = {"id": self._next_id, **fields}
            self._items[self._next_id] = item
            self._next_id += 1
            return dict(item)

    def get(self, item_id: int):
        with self._lock:
            item = self._items.get(item_id)
            return dict(item) if item else None

    def replace(self, item_id: int, fields: dict):
        with self._lock:
            if item_id not in self._items:
                return None
            self._items[item_id] = {"id": item_id, **fields}
            return dict(self._items[item_id])

    def delete(self, item_id: int) -> bool:
        with self._lock:
            return self._items.pop(item_id, None) is not None

    def page(self, page: int, per_page: int):
        with self._lock:
            ids = sorted(self._items)
            chosen = ids[(page - 1) * per_page : page * per_page]
            return [dict(self._items[i]) for i in chosen], len(ids)


class InvalidInput(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def positive_int_arg(name: str, default: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be an integer, got {raw!r}") from None
    if value < 1 or value > maximum:
        raise InvalidInput(f"{name} must be between 1 and {maximum}, got {value}")
    return value


def item_fields_from_body() -> dict:
    if not request.is_json:
        raise InvalidInput("send the item as JSON (Content-Type: application/json)", 415)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        raise InvalidInput("name must be a non-empty string of at most 100 characters")
    price = body.get("price")
    # bool is an int subclass in Python, and true is not a price.
    if isinstance(price, bool) or not isinstance(price, (int, float)) or price < 0:
        raise InvalidInput("price must be a number >= 0")
    tags = body.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise InvalidInput("tags must be a list of strings")
    unknown = set(body) - {"name", "price", "tags"}
    if unknown:
        raise InvalidInput(f"unknown fields: {', '.join(sorted(unknown))}")
    return {"name": name, "price": price, "tags": tags}


def create_app(store: ItemStore | None = None, log_path: str | None = None) -> Flask:
    """The application, its access log attached: `log_path`, else `ACCESSLOG_APP_LOG`, else
    `app.log` in the working directory."""
    app = Flask(__name__)
    app.json.sort_keys = False
    items = store or ItemStore()
    app.wsgi_app = AccessLog(app.wsgi_app, make_access_logger(log_path or access_log_path()))

    @app.errorhandler(InvalidInput)
    def bad_request(err: InvalidInput):
        return jsonify(error=err.message), err.status

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        return jsonify(error=err.description), err.code

    @app.errorhandler(Exception)
    def unhandled(err: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return jsonify(error="internal server error"), 500

    @app.get("/health")
    def health():
        return jsonify(status="ok")

    @app.get("/api/items")
    def list_items():
        page = positive_int_arg("page", 1, 1_000_000)
        per_page = positive_int_arg("per_page", 10, MAX_PER_PAGE)
        chosen, total = items.page(page, per_page)
        return jsonify(items=chosen, page=page, per_page=per_page, total=total)

    @app.post("/api/items")
    def create_item():
        item = items.create(item_fields_from_body())
        return jsonify(item), 201, {"Location": f"/api/items/{item['id']}"}

    @app.get("/api/items/<int:item_id>")
    def get_item(item_id: int):
        item = items.get(item_id)
        if item is None:
            return jsonify(error=f"item {item_id} not found"), 404
        return jsonify(item)

    @app.put("/api/items/<int:item_id>")
    def replace_item(item_id: int):
        fields = item_fields_from_body()
        item = items.replace(item_id, fields)
        if item is None:
            return jsonify(error=f"item {item_id} not found"), 404
        return jsonify(item)

    @app.delete("/api/items/<int:item_id>")
    def delete_item(item_id: int):
        if not items.delete(item_id):
            return jsonify(error=f"item {item_id} not found"), 404
        return Response(status=204)

    @app.get("/api/slow")
    def slow():
        raw = request.args.get("ms")
        if raw is None:
            ms = random.randint(50, 1500)
        else:
            try:
                ms = int(raw)
            except ValueError:
                raise InvalidInput(f"ms must be an integer, got {raw!r}") from None
            if ms < 0 or ms > MAX_SLOW_MS:
                raise InvalidInput(f"ms must be between 0 and {MAX_SLOW_MS}")
        time.sleep(ms / 1000.0)
        return jsonify(slept_ms=ms)

    @app.get("/api/fail")
    def fail():
        raw = request.args.get("code")
        if raw is None:
            raise RuntimeError("simulated failure")
        if raw not in {"500", "502", "503", "504"}:
            raise InvalidInput("code must be one of 500, 502, 503, 504")
        return jsonify(error="simulated failure"), int(raw)

    return app


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--log",
        default=None,
        help=f"access log path (default: ${APP_LOG_ENV}, else {DEFAULT_APP_LOG} in the working dir)",
    )
    args = parser.parse_args(argv)

    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    wsgi = create_app(log_path=os.path.abspath(args.log) if args.log else None)

    import waitress  # imported here so tests can use create_app without a server dependency

    waitress.serve(wsgi, host=args.host, port=args.port, threads=args.threads, ident="accesslog-app")
    return 0


if __name__ == "__main__":
    sys.exit(main())
