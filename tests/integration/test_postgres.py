# test_postgres.py - the PostgreSQL store: against Debian's PostgreSQL 15 (started here) and pgvector (PGlite).
"""What runs where:
  PostgreSQL 15 (pgserver.py, a throwaway cluster; no pgvector in Debian 12: real[] columns)
    - the store's own tests (tests/unit/test_store_pg_live.c) with COPY and with es_copy=off;
    - through the server: restart mid-stream, database down then back, dimension mismatch,
      overlapping streams, `stats` in both URL forms.
  pgvector 0.8 in PGlite (npm; its socket server cannot take COPY FROM STDIN)
    - the store's own tests with es_copy=off: vector(N) columns, binary vector parameters,
      typmod casts, ON CONFLICT upserts, redeclaring an empty table's dimension;
    - the COPY BINARY bytes the store sends, loaded by pgvector's vector_recv in-process;
    - a whole ingest through the server with es_copy=off.
  Not covered against real pgvector: COPY ... FROM STDIN over a socket (PGlite cannot), i.e. the
  byte stream is proven but not its transport, which is the same libpq path as for real[].
The end-to-end and interop suites also run on PostgreSQL through harness store factories
(store_postgres.py).
"""
import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import pglite  # noqa: E402
import pgserver  # noqa: E402

LIVE_TEST = os.path.join(h.BUILD_DIR, "test_store_pg_live")
UNIT_TEST = os.path.join(h.BUILD_DIR, "test_store_pg")


def run_binary(path, env_extra, timeout=300):
    env = dict(os.environ)
    env.update(env_extra)
    p = subprocess.run([path], env=env, capture_output=True, text=True, timeout=h.scaled(timeout))
    return p


class PgTestCase(unittest.TestCase):
    pg = None

    @classmethod
    def setUpClass(cls):
        reason = pgserver.available()
        if reason:
            raise unittest.SkipTest(reason)
        cls.pg = pgserver.shared_server()

    def fresh_db(self):
        db = self.pg.create_database()
        self.addCleanup(self.pg.drop_database, db)
        return db

    def assert_binary_passes(self, path, env):
        self.assertTrue(os.path.exists(path), "%s not built" % path)
        p = run_binary(path, env)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("0 failed", p.stdout, p.stdout + p.stderr)
        self.assertNotIn("skipped", p.stdout)
        for mark in h.SANITIZER_MARKS:
            self.assertNotIn(mark, p.stderr)
        return p


class StoreOnPostgres15(PgTestCase):
    """The store's own C tests against a real PostgreSQL 15 (real[] vectors)."""

    def test_store_with_copy(self):
        db = self.fresh_db()
        self.assert_binary_passes(LIVE_TEST, {"ES_PG_URL": self.pg.url(db), "ES_PG_EXPECT": "array"})

    def test_store_with_inserts(self):
        db = self.fresh_db()
        self.assert_binary_passes(LIVE_TEST, {"ES_PG_URL": self.pg.url(db), "ES_PG_EXPECT": "array",
                                              "ES_PG_STORE_OPTS": "es_copy=off"})


class StoreOnPgvector(unittest.TestCase):
    """pgvector proper, from npm's PGlite: see the module docstring for what is and isn't covered."""

    @classmethod
    def setUpClass(cls):
        reason = pglite.ensure_installed()
        if reason:
            raise unittest.SkipTest(reason)

    def test_copy_binary_stream_into_pgvector(self):
        out = tempfile.mkdtemp(prefix="es-pgcopy-", dir=h.tempdir())
        p = run_binary(UNIT_TEST, {"ES_PG_COPY_DUMP": out})
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        for name in ("create.sql", "recruit.bin", "candidate.bin", "expected.json"):
            self.assertTrue(os.path.exists(os.path.join(out, name)), name)
        r = pglite.run_node_script(os.path.join(h.HERE, "pglite_copy_check.mjs"), [out])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("ok: 6 rows", r.stdout)

    def test_store_on_pgvector(self):
        with pglite.PGliteServer() as srv:
            self.assert_live(srv.url)

    def assert_live(self, url):
        p = run_binary(LIVE_TEST, {"ES_PG_URL": url, "ES_PG_EXPECT": "pgvector", "ES_PG_SERIAL": "1",
                                   "ES_PG_STORE_OPTS": "es_copy=off"})
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("0 failed", p.stdout)
        self.assertIn("(pgvector)", p.stderr, "tables were not made with vector(N)")

    @h.require_commands("serve", "ingest")
    def test_ingest_through_server_into_pgvector(self):
        d = h.tempdir()
        files = {"recruit": h.write_domain_file("recruit", os.path.join(d, "r.csv"), 60, seed=31),
                 "candidate": h.write_domain_file("candidate", os.path.join(d, "c.jsonl"), 25, seed=32)}
        with pglite.PGliteServer() as srv:
            url = srv.url + "?es_copy=off"
            with h.Server(url, args=["--max-streams", "2"]) as server:
                for domain, path in files.items():
                    res = h.run_ingest(domain, path, server.addr, chunk_size=7)
                    self.assertEqual(res.code, 0, res)
                    self.assertEqual(res.out["status"], "success", res.out)
                # psql shares PGlite's one session: read only while no stream is open.
                for domain, path in files.items():
                    self.assertEqual(srv.psql("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                                              "WHERE attrelid = '%s'::regclass AND attname = 'vector'" % domain).strip(),
                                     "vector(%d)" % h.DOMAINS[domain].dim)
                    got = read_pglite_rows(srv, domain)
                    want = h.expected_store(domain, path)
                    self.assertEqual(set(got), set(want))
                    for key, row in want.items():
                        self.assertEqual(got[key], row, "%s %s differs" % (domain, key))
                st = h.stats(url)
                self.assertEqual(st["domains"]["recruit"], {"rows": 60, "vector_dimension": 384})
                self.assertNotIn("postgres:postgres@", st["store"], "password shown in stats")


# README's "create the tables ahead of time", without pgvector (Debian 12 has none).
LEAST_PRIVILEGE_DDL = """
CREATE TABLE recruit(id uuid NOT NULL PRIMARY KEY, company_name text NOT NULL, exp_years integer NOT NULL,
  english_level text NOT NULL, primary_keyword text NOT NULL, vector real[] NOT NULL,
  CONSTRAINT recruit_vector_dim CHECK (cardinality(vector) = 384));
CREATE TABLE candidate(candidate_id uuid NOT NULL PRIMARY KEY, position_category text NOT NULL,
  experience_years integer NOT NULL, original_resume text NOT NULL, skills text[] NOT NULL,
  vector real[] NOT NULL, CONSTRAINT candidate_vector_dim CHECK (cardinality(vector) = 768));
CREATE TABLE skill_embedding_dic(skill text NOT NULL PRIMARY KEY, position_category text NOT NULL,
  vector real[] NOT NULL, CONSTRAINT skill_embedding_dic_vector_dim CHECK (cardinality(vector) = 768));
CREATE TABLE ingest_log(id bigserial PRIMARY KEY, domain text NOT NULL, file_name text, vector_dimension integer,
  "rows" bigint NOT NULL, chunks bigint NOT NULL, status text NOT NULL, message text,
  started_at timestamptz, finished_at timestamptz);
GRANT SELECT, INSERT, UPDATE ON recruit, candidate, skill_embedding_dic TO es_writer;
GRANT SELECT, INSERT ON ingest_log TO es_writer;
GRANT USAGE ON SEQUENCE ingest_log_id_seq TO es_writer;
"""


def read_pglite_rows(srv, domain):
    """Rows of a PGlite table in the harness's normalized form (vectors via array_send)."""
    import json
    import store_postgres
    d = h.DOMAINS[domain]
    cols = []
    for name, typ in d.fields:
        if typ == "vector":
            cols.append("encode(array_send(\"%s\"::real[]), 'hex')" % name)
        elif typ == "strlist":
            cols.append("array_to_json(\"%s\")::text" % name)
        else:
            cols.append("\"%s\"::text" % name)
    sql = "SELECT json_agg(json_build_array(%s))::text FROM \"%s\"" % (", ".join(cols), domain)
    out = {}
    for rec in json.loads(srv.psql(sql)):
        row = {}
        for (name, typ), v in zip(d.fields, rec):
            if typ == "vector":
                v = store_postgres._le_floats_from_array_send(v)
            elif typ == "strlist":
                v = json.loads(v)
            elif typ == "int":
                v = int(v)
            row[name] = v
        out[row[d.key]] = row
    return out


@h.require_commands("serve", "ingest", "stats")
class ServerOnPostgres15(PgTestCase):
    """Our server on a PostgreSQL store, with the database misbehaving."""

    def setUp(self):
        super().setUp()
        self.dir = h.tempdir()
        self.db = self.fresh_db()
        self.url = self.pg.url(self.db)

    def path(self, name):
        return os.path.join(self.dir, name)

    def stored(self, domain):
        import store_postgres
        st = store_postgres.PostgresStore.__new__(store_postgres.PostgresStore)
        st.pg, st.db, st.url = self.pg, self.db, self.url
        return st.rows(domain)

    def backends_waiting_on_lock(self):
        return int(self.pg.scalar("postgres", "SELECT count(*) FROM pg_stat_activity WHERE datname = '%s' AND "
                                              "application_name = 'embedstream' AND wait_event_type = 'Lock'"
                                  % self.db))

    def table_locked(self):
        return self.pg.scalar(self.db, "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
                                       "WHERE a.application_name = 'es-locker' AND l.granted "
                                       "AND l.relation = 'recruit'::regclass AND l.mode = 'ShareLock'") == "1"

    def start_locker(self):
        """A psql session (application_name es-locker) to take locks with; the caller kills it."""
        env = dict(os.environ, PGAPPNAME="es-locker")
        return subprocess.Popen([pgserver.PSQL, "-X", "-q", "-h", "127.0.0.1", "-p", str(self.pg.port),
                                 "-U", "postgres", "-d", self.db], stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, text=True)

    def lock_recruit(self, locker):
        """The session holds recruit in SHARE mode (writers wait) until it is killed."""
        locker.stdin.write("BEGIN; LOCK TABLE recruit IN SHARE MODE;\n")
        locker.stdin.flush()
        h.wait_until(self.table_locked, h.scaled(30), "psql to lock the table")

    def test_restart_mid_stream_then_retry_lands_the_file(self):
        small = h.write_domain_file("recruit", self.path("small.csv"), 10, seed=41)
        big = h.write_domain_file("recruit", self.path("big.csv"), 3000, seed=42, digits=4)
        expected = dict(h.expected_store("recruit", small))
        expected.update(h.expected_store("recruit", big))
        locker = None
        with h.Server(self.url) as srv:
            self.assertEqual(h.run_ingest("recruit", small, srv.addr).code, 0)
            # Another session holds the table, so the stream is certainly mid-way (its first
            # COPY waits) when the database restarts.
            locker = self.start_locker()
            try:
                self.lock_recruit(locker)
                client = h.start_ingest("recruit", big, srv.addr, chunk_size=100, retries=5)
                try:
                    h.wait_until(self.backends_waiting_on_lock, h.scaled(60), "the stream to wait on the lock")
                    self.pg.restart("fast")
                    res = h.finish_ingest(client, proc_timeout=240)
                finally:
                    if client.poll() is None:
                        client.kill()
                        client.wait()
            finally:
                locker.stdin.close()
                locker.kill()
                locker.wait()
            self.assertEqual(res.code, 0, res)
            self.assertEqual(res.out["rows_sent"], 3000, res.out)
            self.assertRegex(srv.log, r"(?i)unavailable", "the first attempt did not fail as UNAVAILABLE")
            self.assertRegex(srv.log, r"57P01|terminating connection|server closed the connection")
        got = self.stored("recruit")
        self.assertEqual(len(got), len(expected))
        self.assertEqual(set(got), set(expected))
        for key, row in expected.items():
            self.assertEqual(got[key], row)

    def test_grace_period_ends_a_stream_stuck_on_a_lock(self):
        """SIGTERM with a stream blocked inside PostgreSQL (another session holds the table):
        once --grace is over the server cancels the query, rolls back and exits."""
        small = h.write_domain_file("recruit", self.path("small.csv"), 10, seed=61)
        big = h.write_domain_file("recruit", self.path("big.csv"), 500, seed=62)
        expected = h.expected_store("recruit", small)
        locker = self.start_locker()
        try:
            srv = h.Server(self.url, grace=2, stop_timeout=30)
            with srv:
                self.assertEqual(h.run_ingest("recruit", small, srv.addr).code, 0)
                self.lock_recruit(locker)
                client = h.start_ingest("recruit", big, srv.addr, chunk_size=100, retries=1)
                try:
                    h.wait_until(self.backends_waiting_on_lock, h.scaled(60), "the stream to wait on the lock")
                    t0 = time.monotonic()
                    srv.stop()  # fails the test if the server is still up after stop_timeout
                    took = time.monotonic() - t0
                    res = h.finish_ingest(client, proc_timeout=120)
                finally:
                    if client.poll() is None:
                        client.kill()
                        client.wait()
            self.assertLess(took, h.scaled(20), "the server took %.1f s to stop" % took)
            self.assertIn("grace period over", srv.log)
            self.assertRegex(srv.log, r"outcome=CANCELLED")
            self.assertNotEqual(res.code, 0, res)
        finally:
            locker.stdin.close()
            locker.kill()
            locker.wait()
        self.assertEqual(set(self.stored("recruit")), set(expected), "the cancelled stream left rows")

    def test_database_down_then_back_without_server_restart(self):
        path = h.write_domain_file("skill_embedding_dic", self.path("s.csv"), 20, seed=43)
        with h.Server(self.url) as srv:
            self.assertEqual(h.run_ingest("skill_embedding_dic", path, srv.addr).code, 0)
            self.pg.stop()
            try:
                res = h.run_ingest("skill_embedding_dic", path, srv.addr, retries=1, timeout=30)
            finally:
                self.pg.start()
            self.assertNotEqual(res.code, 0, res)
            said = (res.out or {}).get("message", "") + res.err
            self.assertRegex(said, r"(?i)postgres")
            self.assertTrue(srv.running(), "the server died with its database")
            res = h.run_ingest("skill_embedding_dic", path, srv.addr, retries=3)
            self.assertEqual(res.code, 0, res)
        self.assertEqual(len(self.stored("skill_embedding_dic")), 20)

    def test_dimension_mismatch_is_failed_precondition(self):
        first = h.write_domain_file("candidate", self.path("c768.csv"), 5, seed=44)
        other = h.write_domain_file("candidate", self.path("c16.csv"), 5, dim=16, seed=45)
        with h.Server(self.url) as srv:
            self.assertEqual(h.run_ingest("candidate", first, srv.addr).code, 0)
            res = h.run_ingest("candidate", other, srv.addr, dim=16, retries=3)
            self.assertEqual(res.code, 3, res)
            said = (res.out or {}).get("message", "") + res.err
            self.assertIn("768", said)
            self.assertIn("16", said)
            self.assertNotIn("retry", res.err.lower())
        self.assertEqual(len(self.stored("candidate")), 5)

    def test_overlapping_streams(self):
        files = [h.write_domain_file("recruit", self.path("r%d.csv" % i), 400, seed=50 + i, digits=4)
                 for i in range(3)]
        files.append(files[0])  # the same file twice at once: both succeed, one copy stays
        expected = {}
        for p in files:
            expected.update(h.expected_store("recruit", p))
        with h.Server(self.url, args=["--max-streams", "8"]) as srv:
            clients = [h.start_ingest("recruit", p, srv.addr, chunk_size=50, retries=5) for p in files]
            results = [h.finish_ingest(c, proc_timeout=240) for c in clients]
        for res in results:
            self.assertEqual(res.code, 0, res)
        got = self.stored("recruit")
        self.assertEqual(set(got), set(expected))
        for key, row in expected.items():
            self.assertEqual(got[key], row)

    def test_least_privilege_role_with_tables_made_ahead(self):
        """The README's set-up: an owner creates the tables, the server's role only reads and writes."""
        self.pg.psql("postgres", "DO $$ BEGIN CREATE ROLE es_writer LOGIN; "
                                 "EXCEPTION WHEN duplicate_object THEN NULL; END $$")
        self.pg.psql(self.db, LEAST_PRIVILEGE_DDL)
        url = "postgresql://es_writer@127.0.0.1:%d/%s" % (self.pg.port, self.db)
        path = h.write_domain_file("candidate", self.path("c.csv"), 30, seed=47)
        with h.Server(url) as srv:
            for _ in range(2):  # new rows by COPY, then the upsert path through a temp table
                res = h.run_ingest("candidate", path, srv.addr, chunk_size=7)
                self.assertEqual(res.code, 0, res)
        self.assertEqual(self.stored("candidate"), h.expected_store("candidate", path))
        self.assertEqual(h.stats(url)["domains"]["candidate"], {"rows": 30, "vector_dimension": 768})
        # Without the tables, that role cannot create them: the stream fails and says why.
        other = self.fresh_db()
        url = "postgresql://es_writer@127.0.0.1:%d/%s" % (self.pg.port, other)
        with h.Server(url) as srv:
            res = h.run_ingest("candidate", path, srv.addr, retries=1)
            self.assertNotEqual(res.code, 0, res)
            self.assertIn("permission denied", (res.out or {}).get("message", "") + res.err)

    def test_stats_in_both_url_forms(self):
        path = h.write_domain_file("recruit", self.path("r.csv"), 12, seed=46)
        with h.Server(self.url) as srv:
            self.assertEqual(h.run_ingest("recruit", path, srv.addr).code, 0)
        masked = "postgresql://postgres:secretpw@127.0.0.1:%d/%s" % (self.pg.port, self.db)
        for url in (masked, "postgres:" + self.pg.conninfo(self.db)):
            st = h.stats(url)
            self.assertEqual(st["domains"]["recruit"], {"rows": 12, "vector_dimension": 384})
            self.assertEqual(st["domains"]["candidate"], {"rows": 0, "vector_dimension": None})
            self.assertEqual(st["last_ingests"][0]["file_name"], "r.csv")
            self.assertEqual(st["last_ingests"][0]["status"], "success")
            self.assertNotIn("secretpw", st["store"])
        bad = h.run_cmd([h.BIN, "stats", "--store", self.url + "?es_bogus=1"], check=False)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("es_bogus", bad.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
