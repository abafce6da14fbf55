"""Traffic generator for the accesslog app: a realistic request mix at a steady rate.

    python traffic.py [--base-url http://127.0.0.1:8080] [--rps 5] [--count N] [--duration S]
                      [--seed S] [--concurrency 8] [--record FILE] [--wait-ready S]

Runs until --count requests were sent or --duration seconds passed, whichever comes first; with
neither it runs until stopped (the systemd service does that). The mix covers the whole API:
paged lists, reads of present and absent items, creates/updates/deletes with valid and invalid
bodies (400, 415), unknown paths (404), a wrong method (405), the variable-latency endpoint and
the failing one (500/503), with a spread of user agents and referrers.

--record writes one JSON object per request (method, target, status, bytes, elapsed_ms,
sent_at, and slow_ms for the latency endpoint), so a test can compare what was sent with what the
app logged. Only the standard library is used.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "curl/8.5.0",
    "python-requests/2.31.0",
    "Go-http-client/1.1",
    "okhttp/4.12.0",
)
REFERRERS = ("-", "-", "-", "https://shop.example.com/", "https://www.google.com/")

# (weight, action): weights give roughly 70% 2xx, 20% 4xx, 5% 5xx and a slow tail.
MIX = (
    (28, "list"),
    (3, "list_bad_page"),
    (18, "get"),
    (5, "get_missing"),
    (8, "create"),
    (2, "create_invalid"),
    (1, "create_wrong_type"),
    (5, "update"),
    (1, "update_invalid"),
    (4, "delete"),
    (1, "delete_missing"),
    (5, "health"),
    (7, "slow"),
    (3, "fail"),
    (1, "fail_503"),
    (2, "not_found"),
    (1, "wrong_method"),
)


class Plan:
    """Chooses the next request. Keeps the ids of items known to exist so reads, updates and
    deletes mostly hit real items, like a client that browses what it listed."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.lock = threading.Lock()
        self.known_ids = list(range(1, 21))  # the app seeds items 1..20
        self.actions = [a for _, a in MIX]
        self.weights = [w for w, _ in MIX]

    def remember(self, item_id: int) -> None:
        with self.lock:
            self.known_ids.append(item_id)

    def forget(self, item_id: int) -> None:
        with self.lock:
            if item_id in self.known_ids:
                self.known_ids.remove(item_id)

    def _known(self) -> int:
        with self.lock:
            return self.rng.choice(self.known_ids) if self.known_ids else 1

    def _item_body(self) -> dict:
        return {
            "name": self.rng.choice(("mug", "lamp", "chair", "desk", "pen", "book")) + f"-{self.rng.randint(1, 999)}",
            "price": round(self.rng.uniform(1, 300), 2),
            "tags": self.rng.sample(["new", "sale", "eco", "gift"], self.rng.randint(0, 2)),
        }

    def next(self) -> dict:
        rng = self.rng
        action = rng.choices(self.actions, self.weights)[0]
        req = {"action": action, "method": "GET", "body": None, "content_type": None}
        if action == "list":
            target = "/api/items"
            if rng.random() < 0.7:
                target += f"?page={rng.randint(1, 4)}"
                if rng.random() < 0.3:
                    target += f"&per_page={rng.choice((5, 10, 20))}"
            req["target"] = target
        elif action == "list_bad_page":
            req["target"] = "/api/items?page=" + rng.choice(("0", "-1", "abc", "2.5"))
        elif action == "get":
            req["target"] = f"/api/items/{self._known()}"
        elif action == "get_missing":
            req["target"] = f"/api/items/{rng.randint(100000, 999999)}"
        elif action in ("create", "create_invalid", "create_wrong_type"):
            req["method"] = "POST"
            req["target"] = "/api/items"
            if action == "create":
                req["body"], req["content_type"] = json.dumps(self._item_body()), "application/json"
            elif action == "create_invalid":
                req["body"] = rng.choice(('{"name": "", "price": 3}', '{"name": "x", "price": -1}', "{not json"))
                req["content_type"] = "application/json"
            else:
                req["body"], req["content_type"] = "name=mug&price=3", "application/x-www-form-urlencoded"
        elif action in ("update", "update_invalid"):
            req["method"] = "PUT"
            req["target"] = f"/api/items/{self._known()}"
            body = self._item_body() if action == "update" else {"name": "x", "price": "free"}
            req["body"], req["content_type"] = json.dumps(body), "application/json"
        elif action == "delete":
            req["method"] = "DELETE"
            req["target"] = f"/api/items/{self._known()}"
        elif action == "delete_missing":
            req["method"] = "DELETE"
            req["target"] = f"/api/items/{rng.randint(100000, 999999)}"
        elif action == "health":
            req["target"] = "/health"
        elif action == "slow":
            # Mostly fast with a long tail, like real latency.
            ms = int(min(2000, rng.expovariate(1 / 250)))
            req["target"] = f"/api/slow?ms={ms}"
            req["slow_ms"] = ms
        elif action == "fail":
            req["target"] = "/api/fail"
        elif action == "fail_503":
            req["target"] = "/api/fail?code=503"
        elif action == "not_found":
            req["target"] = rng.choice(("/favicon.ico", "/wp-login.php", "/api/v2/items", "/admin"))
        elif action == "wrong_method":
            req["method"] = "PATCH"
            req["target"] = "/health"
        req["user_agent"] = rng.choice(USER_AGENTS)
        req["referrer"] = rng.choice(REFERRERS)
        return req


# Never send the loopback/VPC traffic through an http_proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def send(base_url: str, req: dict, timeout: float) -> dict:
    headers = {"User-Agent": req["user_agent"]}
    if req["referrer"] != "-":
        headers["Referer"] = req["referrer"]
    data = None
    if req["body"] is not None:
        data = req["body"].encode("utf-8")
        headers["Content-Type"] = req["content_type"]
    http_req = urllib.request.Request(base_url + req["target"], data=data, headers=headers, method=req["method"])
    sent_at = time.time()
    t0 = time.perf_counter()
    status, payload, error = None, b"", None
    try:
        with _OPENER.open(http_req, timeout=timeout) as resp:
            status, payload = resp.status, resp.read()
    except urllib.error.HTTPError as err:
        status, payload = err.code, err.read()
        err.close()
    except (urllib.error.URLError, OSError) as err:
        error = str(getattr(err, "reason", err))
    elapsed_ms = (time.perf_counter() - t0) * 1000.0
    result = {
        "method": req["method"],
        "target": req["target"],
        "action": req["action"],
        "status": status,
        "bytes": len(payload),
        "elapsed_ms": round(elapsed_ms, 3),
        "sent_at": round(sent_at, 6),
        "user_agent": req["user_agent"],
    }
    if "slow_ms" in req:
        result["slow_ms"] = req["slow_ms"]
    if error:
        result["error"] = error
    if req["action"] == "create" and status == 201:
        try:
            result["created_id"] = json.loads(payload)["id"]
        except (ValueError, KeyError, TypeError):
            pass
    return result


def wait_ready(base_url: str, seconds: float) -> bool:
    """Wait until the app accepts TCP connections. A plain connect, not an HTTP request, so the
    wait itself leaves no line in app.log."""
    parts = urlsplit(base_url)
    host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection((host, port), timeout=1):
                return True
        except OSError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.2)


def run(args) -> Counter:
    rng = random.Random(args.seed)
    plan = Plan(rng)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    record = open(args.record, "w", encoding="utf-8") if args.record else None
    record_lock = threading.Lock()
    statuses: Counter = Counter()
    slots = threading.BoundedSemaphore(args.concurrency)

    def work(req):
        try:
            result = send(args.base_url, req, args.timeout)
            if "created_id" in result:
                plan.remember(result["created_id"])
            if req["action"] == "delete" and result["status"] == 204:
                plan.forget(int(req["target"].rsplit("/", 1)[1]))
            with record_lock:
                statuses[result["status"] if result["status"] is not None else "error"] += 1
                if record:
                    record.write(json.dumps(result) + "\n")
        finally:
            slots.release()

    interval = 1.0 / args.rps
    start = time.monotonic()
    sent = 0
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        while not stop.is_set():
            if args.count is not None and sent >= args.count:
                break
            if args.duration is not None and time.monotonic() - start >= args.duration:
                break
            # A fixed schedule (not sleep-after-send) keeps the rate steady whatever the latency.
            delay = start + sent * interval - time.monotonic()
            if delay > 0 and stop.wait(delay):
                break
            # When every worker is busy the rate drops instead of queueing without bound.
            slots.acquire()
            pool.submit(work, plan.next())
            sent += 1
    if record:
        record.close()
    return statuses


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Drive the accesslog app with a realistic request mix.")
    parser.add_argument("--base-url", default="http://127.0.0.1:8080")
    parser.add_argument("--rps", type=float, default=5.0, help="requests per second (default 5)")
    parser.add_argument("--count", type=int, help="stop after this many requests")
    parser.add_argument("--duration", type=float, help="stop after this many seconds")
    parser.add_argument("--seed", type=int, help="random seed for a repeatable mix")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight at most")
    parser.add_argument("--timeout", type=float, default=10.0, help="per-request timeout in seconds")
    parser.add_argument("--record", help="write one JSON line per request sent to this file")
    parser.add_argument(
        "--wait-ready", type=float, default=60.0, help="seconds to wait for the app to listen (default 60)"
    )
    args = parser.parse_args(argv)
    if args.rps <= 0:
        parser.error("--rps must be > 0")
    if args.count is not None and args.count < 0:
        parser.error("--count must be >= 0")
    if args.concurrency < 1:
        parser.error("--concurrency must be >= 1")
    args.base_url = args.base_url.rstrip("/")

    if not wait_ready(args.base_url, args.wait_ready):
        print(f"traffic: {args.base_url} is not accepting connections after {args.wait_ready:g}s", file=sys.stderr)
        return 1
    statuses = run(args)
    total = sum(statuses.values())
    summary = ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items(), key=lambda kv: str(kv[0])))
    print(f"traffic: sent {total} requests ({summary})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
