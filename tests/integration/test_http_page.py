# test_http_page.py - the API's status page in headless Chromium: click Ingest, see the job finish.
import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cdp  # noqa: E402
import harness as h  # noqa: E402
from harness import api as a  # noqa: E402

FILE = "recruit_page.csv"
ROWS = 120


def give_token(page, token):
    """Waits for the page to ask for a token (its first call got 401) and types it in."""
    # (the page may not be parsed yet: no form at all is "not yet")
    h.wait_until(lambda: page.eval("(() => { const f = document.querySelector('#auth');"
                                   " return !!f && !f.hidden; })()"), h.scaled(30),
                 "the page to ask for a token", interval=0.1)
    page.eval("(() => { document.querySelector('#token').value = %s;"
              " document.querySelector('#auth').requestSubmit(); })()" % json.dumps(token))


def drive_page(test, base, artifact_dir=None, token=None):
    """Opens base/ in Chromium (typing token in when it asks for one), clicks the Ingest button of FILE and waits for the job row to show
    the finished job. Returns the row's text. artifact_dir: where to leave a screenshot."""
    with cdp.Chromium(timeout=h.scaled(30)) as browser:
        page = browser.new_page()
        page.navigate(base + "/")
        if token:
            give_token(page, token)
        button = 'button.ingest[data-file="%s"]' % FILE
        h.wait_until(lambda: page.eval("!!document.querySelector(%s)" % json.dumps(button)),
                     h.scaled(30), "the page to list " + FILE, interval=0.1)
        # The domain was guessed from the file name.
        test.assertEqual(page.eval('document.querySelector(\'tr[data-file="%s"] select\').value'
                                   % FILE), "recruit")
        page.click(button)
        row = 'tr.job[data-state="succeeded"]'
        found = h.wait_until(
            lambda: page.eval("(() => { const r = document.querySelector(%s);"
                              " return r && r.innerText; })()" % json.dumps(row)),
            h.scaled(60), "the page to show a succeeded job", interval=0.1)
        notice = page.eval("document.querySelector('#notice').innerText")
        if token:  # kept for the tab, where its later calls found it
            test.assertEqual(page.eval("sessionStorage.getItem('embedstream-token')"), token)
        if artifact_dir:
            os.makedirs(artifact_dir, exist_ok=True)
            page.screenshot(os.path.join(artifact_dir, "http_page.png"))
        return found, notice, page.eval("document.querySelector('#jobs').innerText")


@unittest.skipIf(cdp.available(), cdp.available() or "")
class HttpPageTest(unittest.TestCase):
    def test_ingest_button_shows_a_finished_job(self):
        data = h.tempdir("es-page-")
        h.write_domain_file("recruit", os.path.join(data, FILE), ROWS, seed=21, digits=4)
        store = h.SqliteStore()
        with h.Server(store.url) as srv, a.Api(data, srv.addr) as api:
            text, notice, jobs = drive_page(self, api.base,
                                            os.path.join(h.BUILD_DIR, "test-artifacts"))
            self.assertIn(FILE, text)
            self.assertIn("succeeded", text)
            self.assertIn("success", text)          # the server's status in the outcome column
            self.assertIn(str(ROWS), text)          # rows sent
            self.assertIn("100%", text)             # bytes read of total
            self.assertIn("started", notice)
            # What the page shows is what the API and the store say.
            listed = a.call(api.base, "/data/jobs").json["jobs"]
            self.assertEqual(len(listed), 1, listed)
            self.assertEqual(listed[0]["state"], "succeeded", listed)
            self.assertEqual(listed[0]["rows_sent"], ROWS)
            self.assertEqual(store.count("recruit"), ROWS)
            self.assertEqual(jobs.count("succeeded"), 1, jobs)

    def test_a_token_asked_for_once_and_sent(self):
        data = h.tempdir("es-page-")
        h.write_domain_file("recruit", os.path.join(data, FILE), ROWS, seed=22, digits=4)
        tokens = os.path.join(h.tempdir("es-page-tokens-"), "tokens")
        token = h.run_cmd([h.BIN, "token", "new", "page", "--tokens", tokens]).stdout.strip()
        store = h.SqliteStore()
        with h.Server(store.url) as srv, a.Api(data, srv.addr, ["--tokens", tokens]) as api:
            self.assertEqual(a.call(api.base, "/data/jobs").status, 401)
            text, notice, _ = drive_page(self, api.base, token=token)
            self.assertIn("succeeded", text)
            self.assertIn("started", notice)
            # refused before the token was given (ours, the page's first files and jobs calls),
            # never the ingest the page made after it
            self.assertGreaterEqual(len(re.findall(r"refused \(401\)", api.log)), 3, api.log)
            self.assertNotIn("/data/ingest/recruit refused", api.log)
            self.assertNotIn(token, api.log)
        self.assertEqual(store.count("recruit"), ROWS)


if __name__ == "__main__":
    h.main()
