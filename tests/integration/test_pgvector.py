# test_pgvector.py - the PostgreSQL store against the real pgvector, in PGlite (npm) since Debian 12 has none.
"""pgvector 0.8 in PGlite (its socket server cannot take COPY FROM STDIN):
  - the store's own tests (tests/unit/test_store_pg_live.c) with es_copy=off: vector(N) columns,
    binary vector parameters, typmod casts, ON CONFLICT upserts, redeclaring an empty table's
    dimension;
  - the COPY BINARY bytes the store sends, loaded by pgvector's vector_recv in-process;
  - a whole ingest through the server with es_copy=off.
Not covered against real pgvector: COPY ... FROM STDIN over a socket (PGlite cannot), i.e. the
byte stream is proven but not its transport, which is the same libpq path as for real[]
(test_postgres.py). Needs node and npm (scripts/install-deps.sh) and the npm registry once per
build tree; without them every test here skips (ctest: Skipped).
"""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import pglite  # noqa: E402


def read_pglite_rows(srv, domain):
    """Rows of a PGlite table in the harness's normalized form."""
    sql = "SELECT json_agg(json_build_array(%s))::text FROM \"%s\"" % (h.pg_columns(domain), domain)
    return h.pg_decode_rows(domain, json.loads(srv.psql(sql)))


class StoreOnPgvector(unittest.TestCase):
    """pgvector proper, from npm's PGlite: see the module docstring for what is and isn't covered."""

    @classmethod
    def setUpClass(cls):
        reason = pglite.ensure_installed()
        if reason:
            raise unittest.SkipTest(reason)

    def test_copy_binary_stream_into_pgvector(self):
        out = tempfile.mkdtemp(prefix="es-pgcopy-", dir=h.tempdir())
        h.run_unit_binary("test_store_pg", {"ES_PG_COPY_DUMP": out})
        for name in ("create.sql", "recruit.bin", "candidate.bin", "expected.json"):
            self.assertTrue(os.path.exists(os.path.join(out, name)), name)
        r = pglite.run_node_script(os.path.join(h.HERE, "pglite_copy_check.mjs"), [out])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("ok: 6 rows", r.stdout)

    def test_store_on_pgvector(self):
        with pglite.PGliteServer() as srv:
            p = h.run_unit_binary("test_store_pg_live", {"ES_PG_URL": srv.url, "ES_PG_EXPECT": "pgvector",
                                                         "ES_PG_SERIAL": "1", "ES_PG_STORE_OPTS": "es_copy=off"})
        self.assertIn("(pgvector)", p.stderr, "tables were not made with vector(N)")

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


if __name__ == "__main__":
    h.main()
