#!/usr/bin/env python3
"""A loopback HTTP server for the ISO download tests (tests/unit/test-iso.c,
tests/cli/t3002, t3005, tests/e2e/installed-release.sh).

Usage: http-range-server.py DIR PORTFILE LOGFILE

Serves files from DIR (and its subdirectories) on 127.0.0.1 (an ephemeral port, written to PORTFILE)
with single byte-range support (Range: bytes=N-), and logs one line per
request to LOGFILE: "GET /path range=<Range header or ->".
Special paths:
  /flaky/NAME   the first request without Range sends the headers for the
                whole file but only half of it, then closes (an interrupted
                download); later requests are served normally (a checksum
                file, NAME.sha256, is always served whole)
  /stall/NAME   sends the headers, then nothing for 30 s
  /norange/NAME ignores Range (always 200 with the whole file)
"""
import http.server
import os
import sys
import threading
import time

root, portfile, logfile = sys.argv[1], sys.argv[2], sys.argv[3]
lock = threading.Lock()
flaky_done = set()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        rng = self.headers.get("Range")
        with lock, open(logfile, "a") as f:
            f.write("GET %s range=%s\n" % (self.path, rng or "-"))
        parts = self.path.strip("/").split("/")
        mode = parts[0] if len(parts) > 1 and parts[0] in ("flaky", "stall", "norange") else ""
        name = parts[-1]
        # A mode's files are DIR/NAME; any other path is under DIR (never above it).
        path = os.path.join(root, name if mode else os.path.normpath("/" + "/".join(parts)).lstrip("/"))
        if not os.path.isfile(path):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = open(path, "rb").read()
        start = 0
        if rng and rng.startswith("bytes=") and mode != "norange":
            start = int(rng[6:].split("-")[0])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % len(data))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(data) - start))
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        if mode == "stall":
            time.sleep(30)
            return
        if mode == "flaky" and not rng and name not in flaky_done and not name.endswith(".sha256"):
            flaky_done.add(name)
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(data[start:])


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
srv.daemon_threads = True
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
