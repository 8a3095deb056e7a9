"""Local peers for the outbox benchmark, each counting what it accepts:
  python3 bench/sinks.py smtp PORT LINKS_FILE   an SMTP server (aiosmtpd); writes every /l/ link it sees to LINKS_FILE
  python3 bench/sinks.py notify PORT KEY        a server speaking GOV.UK Notify's v2 API, checking each request's JWT as
                                                Notify does (HS256 with the key's secret, iss = service id, iat within 30 s)
Prints the count on SIGTERM (and, for SMTP, how many connections the messages came on)."""
import base64
import hashlib
import hmac
import json
import re
import signal
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

count = 0
lock = threading.Lock()
# SMTP: the client end of each connection a message came on (how many connections the outbox opened).
peers = set()


def accepted():
    global count
    with lock:
        count += 1


def b64url_decode(part):
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def smtp(port, links_file):
    from aiosmtpd.controller import Controller

    out = open(links_file, "a")
    pattern = re.compile(rb"/l/[A-Za-z0-9_-]{43}")

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            for link in set(pattern.findall(envelope.content)):
                out.write(link.decode() + "\n")
            accepted()
            with lock:
                peers.add(tuple(session.peer))
            return "250 2.0.0 queued"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    return lambda: (controller.stop(), out.close())


def notify(port, key):
    secret, service = key[-36:], key[-73:-37]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body in one write, flushed after each request, and no Nagle delay: written separately,
        # the body waited for the client's delayed ACK of the headers, 40 ms a reply (measured), which no real
        # Notify adds.
        wbufsize = -1
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def reply(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            auth = self.headers.get("Authorization", "")
            try:
                header, claims, signature = auth.removeprefix("Bearer ").split(".")
                expected = hmac.new(secret.encode(), f"{header}.{claims}".encode(), hashlib.sha256).digest()
                payload = json.loads(b64url_decode(claims))
                ok = (hmac.compare_digest(expected, b64url_decode(signature)) and payload.get("iss") == service
                      and abs(time.time() - payload.get("iat", 0)) <= 30
                      and json.loads(b64url_decode(header)).get("alg") == "HS256")
            except Exception:
                ok = False
            if not ok:
                return self.reply(403, {"errors": [{"error": "AuthError", "message": "Invalid token"}]})
            if self.path not in ("/v2/notifications/email", "/v2/notifications/sms"):
                return self.reply(404, {"errors": [{"error": "NotFound"}]})
            json.loads(body)
            accepted()
            self.reply(201, {"id": str(uuid.uuid4()), "reference": None, "content": {}, "uri": "", "template": {}})

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.shutdown


def main():
    mode, port, arg = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    stop = smtp(port, arg) if mode == "smtp" else notify(port, arg)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    print("ready", flush=True)
    done.wait()
    stop()
    print(f"accepted={count}" + (f" connections={len(peers)}" if mode == "smtp" else ""), flush=True)


if __name__ == "__main__":
    main()
