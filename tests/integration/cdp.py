# cdp.py - headless Chromium driven over the DevTools protocol on a pipe (no WebSocket, no npm).
"""Chromium(...) starts Debian's /usr/bin/chromium with --remote-debugging-pipe: DevTools JSON
messages, NUL-terminated, written to its fd 3 and read from its fd 4. Page(...) attaches to one tab.
Only the standard library is needed. Used by test_http_page.py.
"""
import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time

CHROMIUM = os.environ.get("ES_CHROMIUM", "/usr/bin/chromium")


def available():
    """None when Chromium can run here, else why not."""
    if not os.access(CHROMIUM, os.X_OK):
        return "%s not installed (Debian package chromium; scripts/install-deps.sh)" % CHROMIUM
    return None


class CdpError(AssertionError):
    pass


class Chromium:
    """A headless browser process; a context manager that always kills it and its profile."""

    FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-extensions", "--disable-default-apps", "--mute-audio",
             "--window-size=1280,900", "--remote-debugging-pipe"]

    def __init__(self, timeout=30.0):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="es-chromium-")
        self.proc = None
        self._next_id = 0
        self._buf = b""
        self.events = []
        self.log_path = os.path.join(self.profile, "chromium.log")

    def __enter__(self):
        r, self._to_chrome = os.pipe()
        self._from_chrome, w = os.pipe()
        # Above 4, so moving them onto 3 and 4 in the child cannot overwrite one with the other.
        to_chrome_r, from_chrome_w = fcntl.fcntl(r, fcntl.F_DUPFD, 10), fcntl.fcntl(w, fcntl.F_DUPFD, 10)
        os.close(r)
        os.close(w)

        def child_fds():
            # The pipe protocol's fixed descriptors: Chromium reads 3 and writes 4.
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        try:
            with open(self.log_path, "wb") as log:
                self.proc = subprocess.Popen(
                    [CHROMIUM] + self.FLAGS + ["--user-data-dir=" + self.profile, "about:blank"],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    pass_fds=(3, 4), preexec_fn=child_fds, env=dict(os.environ, HOME=self.profile))
        finally:
            os.close(to_chrome_r)
            os.close(from_chrome_w)
        return self

    def __exit__(self, *exc):
        try:
            if self.proc and self.proc.poll() is None:
                try:
                    self.send("Browser.close", timeout=5)
                except (CdpError, OSError):
                    pass
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
        finally:
            for fd in (self._to_chrome, self._from_chrome):
                try:
                    os.close(fd)
                except OSError:
                    pass
            shutil.rmtree(self.profile, ignore_errors=True)
        return False

    def log(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def _read_message(self, deadline):
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CdpError("no DevTools message within the time limit")
            ready, _, _ = select.select([self._from_chrome], [], [], left)
            if ready:
                chunk = os.read(self._from_chrome, 1 << 20)
                if not chunk:
                    raise CdpError("Chromium closed the DevTools pipe:\n" + self.log()[-3000:])
                self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method, params=None, session=None, timeout=None):
        """One command; returns its result, keeping events that arrive meanwhile."""
        self._next_id += 1
        mid = self._next_id
        msg = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == mid:
                if "error" in reply:
                    raise CdpError("%s: %s" % (method, reply["error"]))
                return reply.get("result", {})
            self.events.append(reply)

    def new_page(self):
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})
        return Page(self, session["sessionId"])


class Page:
    def __init__(self, browser, session):
        self.browser = browser
        self.session = session
        self.send("Page.enable")
        self.send("Runtime.enable")

    def send(self, method, params=None, timeout=None):
        return self.browser.send(method, params, self.session, timeout)

    def navigate(self, url):
        r = self.send("Page.navigate", {"url": url})
        if r.get("errorText"):
            raise CdpError("navigating to %s: %s" % (url, r["errorText"]))

    def eval(self, expression):
        """The JSON value of a JavaScript expression (awaited if it is a promise)."""
        r = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                           "awaitPromise": True})
        if "exceptionDetails" in r:
            raise CdpError("%s: %s" % (expression, r["exceptionDetails"]))
        return r["result"].get("value")

    def click(self, selector):
        """A real mouse click (pressed and released) at the centre of the element."""
        box = self.eval("(() => { const e = document.querySelector(%s); if (!e) return null;"
                        " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
                        " return [r.x + r.width / 2, r.y + r.height / 2]; })()" % json.dumps(selector))
        if not box:
            raise CdpError("no element matches %s" % selector)
        self.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": box[0], "y": box[1]})
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {"type": kind, "x": box[0], "y": box[1],
                                                   "button": "left", "clickCount": 1})

    def screenshot(self, path):
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path
