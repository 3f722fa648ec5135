# test_postgres.py - the PostgreSQL store against Debian's PostgreSQL 15, started here (pgvector: test_pgvector.py).
"""On a throwaway cluster (pgserver.py; no pgvector in Debian 12: real[] columns):
  - the store's own tests (tests/unit/test_store_pg_live.c) with COPY and with es_copy=off;
  - through the server: restart mid-stream, database down then back, dimension mismatch,
    overlapping streams, a least-privilege role, `stats` in both URL forms.
The end-to-end and interop suites also run on PostgreSQL through the harness's store factories
(harness/stores.py). Without PostgreSQL 15 every test here skips (ctest: Skipped).
"""
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import pgserver  # noqa: E402


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


class StoreOnPostgres15(PgTestCase):
    """The store's own C tests against a real PostgreSQL 15 (real[] vectors)."""

    def test_store_with_copy(self):
        db = self.fresh_db()
        h.run_unit_binary("test_store_pg_live", {"ES_PG_URL": self.pg.url(db), "ES_PG_EXPECT": "array"})

    def test_store_with_inserts(self):
        db = self.fresh_db()
        h.run_unit_binary("test_store_pg_live", {"ES_PG_URL": self.pg.url(db), "ES_PG_EXPECT": "array",
                                                 "ES_PG_STORE_OPTS": "es_copy=off"})


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
        return h.PostgresStore(self.pg, self.db).rows(domain)

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
    h.main()
