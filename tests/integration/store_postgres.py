# store_postgres.py - the harness's PostgreSQL store factory: store-parameterized suites also run on PostgreSQL 15.
"""Imported by harness.py (PLUGIN_MODULES). One throwaway PostgreSQL 15 cluster per test process
(pgserver.shared_server: started on first use, stopped at exit); a fresh database per test, dropped
after it. Rows are read back with psql in the harness's normalized form: vectors as little-endian
float32 bytes from the database's own binary output (array_send), so comparisons are bit for bit.
"""
import json
import struct

import harness as h
import pgserver


def _le_floats_from_array_send(hexdata):
    """A one-dimensional float4[] in array_send's binary format -> little-endian float32 bytes."""
    raw = bytes.fromhex(hexdata)
    ndim, _flags, elem = struct.unpack(">iiI", raw[:12])
    if ndim == 0:
        return b""
    if ndim != 1 or elem != 700:
        raise AssertionError("unexpected vector array (ndim %d, element type %d)" % (ndim, elem))
    n, _lb = struct.unpack(">ii", raw[12:20])
    out, off = [], 20
    for _ in range(n):
        (length,) = struct.unpack(">i", raw[off:off + 4])
        if length != 4:
            raise AssertionError("NULL or odd element in a stored vector")
        out.append(raw[off + 4:off + 8][::-1])
        off += 8
    return b"".join(out)


class PostgresStore(h.Store):
    def __init__(self, server):
        self.pg = server
        self.db = server.create_database()
        self.url = server.url(self.db)

    def _has_table(self, name):
        return self.pg.scalar(self.db, "SELECT to_regclass('\"%s\"') IS NOT NULL" % name) == "t"

    def count(self, domain):
        if not self._has_table(domain):
            return 0
        return int(self.pg.scalar(self.db, 'SELECT count(*) FROM "%s"' % domain))

    def rows(self, domain):
        d = h.DOMAINS[domain]
        if not self._has_table(domain):
            return {}
        cols = []
        for name, typ in d.fields:
            if typ == "vector":  # real[] or pgvector (which casts to real[])
                cols.append("encode(array_send(\"%s\"::real[]), 'hex')" % name)
            elif typ == "strlist":
                cols.append("array_to_json(\"%s\")::text" % name)
            else:
                cols.append("\"%s\"::text" % name)
        out = {}
        for rec in self.pg.query(self.db, 'SELECT %s FROM "%s"' % (", ".join(cols), domain)):
            row = {}
            for (name, typ), v in zip(d.fields, rec):
                if typ == "vector":
                    v = _le_floats_from_array_send(v)
                elif typ == "strlist":
                    v = json.loads(v)
                elif typ == "int":
                    v = int(v)
                row[name] = v
            out[row[d.key]] = row
        return out

    def ingest_log(self):
        if not self._has_table("ingest_log"):
            return []
        names = ["domain", "file_name", "vector_dimension", "rows", "chunks", "status", "message",
                 "started_at", "finished_at"]
        recs = self.pg.query(self.db, "SELECT domain, file_name, vector_dimension, \"rows\", chunks, status, "
                                      "message, started_at::text, finished_at::text FROM ingest_log ORDER BY id")
        out = []
        for rec in recs:
            e = dict(zip(names, rec))
            for k in ("vector_dimension", "rows", "chunks"):
                e[k] = int(e[k]) if e[k] is not None else None
            out.append(e)
        return out

    def destroy(self):
        self.pg.drop_database(self.db)


class PostgresFactory(h.StoreFactory):
    name = "postgres"

    def available(self):
        return pgserver.available()

    def create(self):
        return PostgresStore(pgserver.shared_server())


h.register_store_factory(PostgresFactory())
