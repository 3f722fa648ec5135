# test_http_page.py - the API's status page and /docs in headless Chromium: ingest and cancel
# buttons, the server badge, running, failed and cancelled jobs, with a screenshot checked.
import json
import os
import re
import struct
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cdp  # noqa: E402
import harness as h  # noqa: E402
from harness import api as a  # noqa: E402

FILE = "recruit_page.csv"   # small: passes the relay's budget whole
ROWS = 10
BIG = "recruit_held.csv"    # its stream is held by the relay while the page shows it running
BAD = "recruit_dim8.csv"    # fails: 8-d vectors for a 384-d domain
ARTIFACTS = os.path.join(h.BUILD_DIR, "test-artifacts")


def make_data():
    data = h.tempdir("es-page-")
    h.write_domain_file("recruit", os.path.join(data, FILE), ROWS, seed=21, digits=4)
    h.write_domain_file("recruit", os.path.join(data, BIG), 2000, seed=22, digits=3)
    h.write_domain_file("recruit", os.path.join(data, BAD), 3, dim=8, seed=23, digits=4)
    return data


def png_size(path):
    """(width, height) from a PNG's IHDR, checking the signature."""
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise AssertionError("%s is not a PNG" % path)
    return struct.unpack(">II", head[16:24])


class Page:
    """The status page in a browser tab, read through the DOM."""

    def __init__(self, test, tab):
        self.test, self.tab = test, tab

    def js(self, expr):
        return self.tab.eval(expr)

    def wait(self, expr, what, timeout=30):
        return h.wait_until(lambda: self.js(expr), h.scaled(timeout), what, interval=0.1)

    def row(self, job_id):
        """{state, text, cancel, progress_bar, rate, eta} of a job's row, or None."""
        return self.js("(() => { const r = document.querySelector('tr.job[data-job-id=\"%s\"]');"
                       " if (!r) return null; return {state: r.dataset.state, text: r.innerText,"
                       " cancel: !!r.querySelector('button.cancel'), bar: !!r.querySelector('.bar'),"
                       " rate: r.querySelector('td.rate').innerText, eta: r.querySelector('td.eta').innerText,"
                       " time: r.querySelector('td.time time') && r.querySelector('td.time time').dateTime}; })()"
                       % job_id)

    def wait_row(self, job_id, state, timeout=60):
        return h.wait_until(lambda: (lambda r: r if r and r["state"] == state else None)(self.row(job_id)),
                            h.scaled(timeout), "job %s to show %s" % (job_id, state), interval=0.1)

    def badge(self):
        return self.js("(() => { const b = document.querySelector('#server');"
                       " return {state: b.dataset.state || '', text: b.innerText}; })()")


def start_async(base, name, **q):
    r = a.call(base, a.ingest_path("recruit", name, **dict(q, **{"async": "true"})), "POST")
    if r.status != 202:
        raise AssertionError(r)
    return r.json["job_id"]



def give_token(tab, token):
    """Waits for the page to ask for a token (its first call got 401) and types it in."""
    # (the page may not be parsed yet: no form at all is "not yet")
    h.wait_until(lambda: tab.eval("(() => { const f = document.querySelector('#auth');"
                                  " return !!f && !f.hidden; })()"), h.scaled(30),
                 "the page to ask for a token", interval=0.1)
    tab.eval("(() => { document.querySelector('#token').value = %s;"
             " document.querySelector('#auth').requestSubmit(); })()" % json.dumps(token))


@unittest.skipIf(cdp.available(), cdp.available() or "")
class HttpPageTest(unittest.TestCase):
    def test_jobs_in_every_state_and_the_buttons(self):
        data = make_data()
        store = h.SqliteStore()
        with h.Server(store.url) as srv, a.Relay(srv.addr, budget=64 * 1024) as relay, \
                a.Api(data, relay.addr) as api, cdp.Chromium(timeout=h.scaled(30)) as browser:
            page = Page(self, browser.new_page())
            page.tab.navigate(api.base + "/")
            button = 'button.ingest[data-file="%s"]' % FILE
            page.wait("!!document.querySelector(%s)" % json.dumps(button), "the page to list " + FILE)
            # The domain was guessed from the file name; the badge says the server answers.
            self.assertEqual(page.js('document.querySelector(\'tr[data-file="%s"] select\').value' % FILE),
                             "recruit")
            page.wait("(document.querySelector('#server') || {dataset: {}}).dataset.state === 'up'", "the badge to say up")
            self.assertIn(srv.addr.split(":")[0], page.badge()["text"])

            # Ingest button: the job runs to success, its bar full.
            page.tab.click(button)
            done = page.wait_row("1", "succeeded")
            self.assertIn(FILE, done["text"])
            self.assertIn("success", done["text"])
            self.assertIn("100%", done["text"])
            self.assertTrue(done["bar"] and not done["cancel"], done)
            self.assertRegex(done["time"] or "", r"^\d{4}-\d\d-\d\dT", done)  # a timestamp
            self.assertIn("started", page.js("document.querySelector('#notice').innerText"))

            # A failed job is shown as failed: its state, the reason, and no bar.
            bad = start_async(api.base, BAD)
            failed = page.wait_row(bad, "failed")
            self.assertIn(BAD + ":2", failed["text"])
            self.assertIn("\u2715 failed before reading", failed["text"])
            self.assertFalse(failed["bar"] or failed["cancel"], failed)

            # A running job (its stream held by the relay) with a rate, an ETA and a Cancel button.
            held = start_async(api.base, BIG, chunk_size="5")
            running = h.wait_until(lambda: (lambda r: r if r and r["state"] == "running" and r["eta"] != "\u2013"
                                            else None)(page.row(held)),
                                   h.scaled(30), "the held job to show an ETA", interval=0.1)
            self.assertTrue(running["cancel"] and running["bar"], running)
            self.assertRegex(running["rate"], r"^[\d,]+$", running)
            self.assertRegex(running["eta"], r"\d+(\.\d)? (s|min|h)", running)

            # Recent jobs sit above the fold, above the files; all of it in the screenshot.
            top = page.js("document.querySelector('#jobs').getBoundingClientRect().top")
            self.assertLess(top, page.js("document.querySelector('#files').getBoundingClientRect().top"))
            self.assertLess(page.js("document.querySelector('tr.job:last-child').getBoundingClientRect().bottom"),
                            page.js("window.innerHeight"))
            os.makedirs(ARTIFACTS, exist_ok=True)
            shot = page.tab.screenshot(os.path.join(ARTIFACTS, "http_page.png"))
            self.assertEqual(png_size(shot), (page.js("window.innerWidth"), page.js("window.innerHeight")))
            self.assertGreater(os.path.getsize(shot), 20000, "the screenshot is (nearly) blank")

            # Cancel button: the job ends cancelled and nothing of it is stored.
            page.tab.click('button.cancel[data-job-id="%s"]' % held)
            cancelled = page.wait_row(held, "cancelled")
            self.assertFalse(cancelled["cancel"], cancelled)
            self.assertIn("cancelled", page.js("document.querySelector('#notice').innerText"))
            relay.release()
            srv.wait_for_log(r"stream \d+ end: .*file=\"%s\".* outcome=CANCELLED" % BIG)
            self.assertEqual(store.count("recruit"), ROWS)
            jobs = {j["id"]: j["state"] for j in a.call(api.base, "/data/jobs").json["jobs"]}
            self.assertEqual(jobs, {"1": "succeeded", bad: "failed", held: "cancelled"})

    def test_badge_says_down_when_the_server_is_gone(self):
        data = make_data()
        addr = "127.0.0.1:%d" % h.free_port()
        with a.Api(data, addr, ["--retries", "1"]) as api, cdp.Chromium(timeout=h.scaled(30)) as browser:
            page = Page(self, browser.new_page())
            page.tab.navigate(api.base + "/")
            page.wait("(document.querySelector('#server') || {dataset: {}}).dataset.state === 'down'", "the badge to say down")
            self.assertIn("down", page.badge()["text"])
            self.assertIn(addr, page.badge()["text"])
            # The files still list, and an ingest there fails visibly, as failed.
            page.wait("!!document.querySelector('button.ingest')", "the files to list")
            job = start_async(api.base, FILE)
            row = page.wait_row(job, "failed")
            self.assertIn("is `embedstream serve` running at %s?" % addr, row["text"])
            self.assertFalse(row["bar"], row)

    def test_docs_render_the_openapi_description(self):
        data = make_data()
        with a.Api(data, "127.0.0.1:1") as api, cdp.Chromium(timeout=h.scaled(30)) as browser:
            tab = browser.new_page()
            tab.navigate(api.base + "/docs")
            ops = h.wait_until(lambda: tab.eval("[...document.querySelectorAll('section.op')]"
                                                ".map(s => s.dataset.method + ' ' + s.dataset.path)"),
                               h.scaled(30), "the docs to render", interval=0.1)
            spec = a.call(api.base, "/openapi.json").json
            want = sorted("%s %s" % (m.upper(), p) for p, item in spec["paths"].items()
                          for m in ("get", "post", "delete") if m in item)
            self.assertEqual(sorted(ops), want)
            self.assertTrue(tab.eval("!!document.querySelector('#schema-Error')"))
            self.assertIn(spec["info"]["version"], tab.eval("document.querySelector('#version').innerText"))

    def test_a_token_asked_for_once_and_sent(self):
        data = make_data()
        tokens = os.path.join(h.tempdir("es-page-tokens-"), "tokens")
        token = h.run_cmd([h.BIN, "token", "new", "page", "--tokens", tokens]).stdout.strip()
        store = h.SqliteStore()
        with h.Server(store.url) as srv, a.Api(data, srv.addr, ["--tokens", tokens]) as api, \
                cdp.Chromium(timeout=h.scaled(30)) as browser:
            self.assertEqual(a.call(api.base, "/data/jobs").status, 401)
            page = Page(self, browser.new_page())
            page.tab.navigate(api.base + "/")
            give_token(page.tab, token)
            button = 'button.ingest[data-file="%s"]' % FILE
            page.wait("!!document.querySelector(%s)" % json.dumps(button), "the page to list " + FILE)
            page.tab.click(button)
            done = page.wait_row("1", "succeeded")
            self.assertIn(FILE, done["text"])
            self.assertIn("started", page.js("document.querySelector('#notice').innerText"))
            # kept for the tab, where its later calls found it
            self.assertEqual(page.js("sessionStorage.getItem('embedstream-token')"), token)
            # /readyz stays open for probes: the badge says up without a token
            page.wait("(document.querySelector('#server') || {dataset: {}}).dataset.state === 'up'",
                      "the badge to say up")
            # refused before the token was given (ours, the page's first files and jobs calls),
            # never the ingest the page made after it
            self.assertGreaterEqual(len(re.findall(r"refused \(401\)", api.log)), 3, api.log)
            self.assertNotIn("/data/ingest/recruit refused", api.log)
            self.assertNotIn(token, api.log)
        self.assertEqual(store.count("recruit"), ROWS)


if __name__ == "__main__":
    h.main()
