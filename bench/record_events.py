"""Records what a trainer posts to a raw webhook, one JSON body per line (bench/callbacks.sh).
Usage: record_events.py PORT OUT_FILE"""
import http.server
import sys

out = open(sys.argv[2], "ab")


class Recorder(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if body:  # not the readiness probe
            out.write(body.replace(b"\n", b" ") + b"\n")
            out.flush()
        self.send_response(200)
        self.end_headers()


http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Recorder).serve_forever()
