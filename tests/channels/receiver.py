"""A real HTTP receiver on 127.0.0.1 (a random port) standing in for the robots' servers: it records every request
(path, query, headers, JSON body) and answers from a script: (status, JSON body), or ("hang", seconds) to answer
nothing for that long, or (302, location) for a redirect."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

OK = (200, {"errcode": 0, "errmsg": "ok"})


class Receiver:
    def __init__(self):
        self.requests: list[dict] = []
        self.script: list[tuple] = []
        self.default = OK
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                parts = urlsplit(self.path)
                with receiver._lock:
                    receiver.requests.append(
                        {
                            "path": parts.path,
                            "query": {k: v[0] for k, v in parse_qs(parts.query).items()},
                            "raw_query": parts.query,
                            "headers": dict(self.headers),
                            "raw": raw,
                            "json": json.loads(raw) if raw else None,
                        }
                    )
                    answer = receiver.script.pop(0) if receiver.script else receiver.default
                if answer[0] == "hang":
                    time.sleep(answer[1])
                    answer = OK
                status, body = answer
                if 300 <= status < 400:
                    self.send_response(status)
                    self.send_header("Location", body)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data = json.dumps(body).encode() if not isinstance(body, bytes) else body
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
