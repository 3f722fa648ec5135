# stores.py - the harness's stores: SQLite and PostgreSQL read back in one form, and test classes run once per store.
"""A Store is one fresh, empty store a test writes into through the server; rows() reads it back
in harness.data's normalized form, so tests compare stores and files without knowing the backend.

Store factories: a test class written once against `self.store` (a mixin, not a TestCase) runs
against every registered factory: store_test_classes(Mixin, globals()) defines Mixin_sqlite,
Mixin_postgres, ... A factory whose backend cannot run here marks its class skipped, with the
reason. ES_STORES (a comma list of factory names) picks the factories: ctest runs such a script
once per store (integration/test_e2e:sqlite, integration/test_e2e:postgres), so a store that cannot
run shows up as that entry skipped. A new backend: a Store and a StoreFactory subclass here,
register_store_factory(), and its name in ES_TEST_STORES in CMakeLists.txt (checked at run time).
"""
import contextlib
import json
import os
import shutil
import sqlite3
import struct
import unittest

import pgserver

from .data import DOMAINS
from .procs import tempdir

__all__ = ["Store", "SqliteStore", "PostgresStore", "StoreFactory", "register_store_factory",
           "selected_factories", "StoreTestMixin", "SharedStoreTestMixin", "store_test_classes", "pg_columns",
           "pg_decode_rows", "STORE_FACTORIES"]


def decode_rows(domain, records, vector):
    """key -> normalized row, from records holding domain's fields in order: ints as int or text,
    string lists as JSON text, vectors as whatever vector() turns into little-endian float32."""
    d = DOMAINS[domain]
    out = {}
    for rec in records:
        row = {}
        for (name, typ), v in zip(d.fields, rec):
            if typ == "vector":
                v = vector(v)
            elif typ == "strlist":
                v = json.loads(v)
            elif typ == "int":
                v = int(v)
            row[name] = v
        out[row[d.key]] = row
    return out


class Store:
    """One fresh store. Backends implement url, rows(), count(), ingest_log() and destroy()."""
    url = None

    def rows(self, domain):
        """key -> normalized row dict, of everything committed in domain's table."""
        raise NotImplementedError

    def count(self, domain):
        raise NotImplementedError

    def ingest_log(self):
        """ingest_log entries as dicts (domain, file_name, vector_dimension, rows, chunks, status,
        started_at, finished_at, client), oldest first."""
        raise NotImplementedError

    def total_rows(self):
        return sum(self.count(d) for d in DOMAINS)

    def log_locked(self):
        """Context manager: while inside, no one else can write ingest_log (it must exist)."""
        raise NotImplementedError

    def destroy(self):
        pass


# ---------------------------------------------------------------- SQLite

class SqliteStore(Store):
    def __init__(self):
        self.dir = tempdir("es-sqlite-")
        self.path = os.path.join(self.dir, "es.db")
        self.url = "sqlite:" + self.path

    @contextlib.contextmanager
    def _db(self):
        # Opening would create an empty file where none is; a missing file reads as empty.
        if not os.path.exists(self.path):
            yield None
            return
        # Read-write open, read-only use: a mode=ro reader cannot always open a WAL database.
        con = sqlite3.connect(self.path, timeout=30)
        try:
            yield con
        finally:
            con.close()

    @staticmethod
    def _has_table(con, name):
        return con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
                           (name,)).fetchone() is not None

    def count(self, domain):
        with self._db() as con:
            if con is None or not self._has_table(con, domain):
                return 0
            return con.execute('SELECT count(*) FROM "%s"' % domain).fetchone()[0]

    def rows(self, domain):
        with self._db() as con:
            if con is None or not self._has_table(con, domain):
                return {}
            cols = ", ".join('"%s"' % n for n, _ in DOMAINS[domain].fields)
            return decode_rows(domain, con.execute('SELECT %s FROM "%s"' % (cols, domain)), bytes)

    def ingest_log(self):
        with self._db() as con:
            if con is None or not self._has_table(con, "ingest_log"):
                return []
            con.row_factory = sqlite3.Row
            return [dict(r) for r in con.execute("SELECT * FROM ingest_log ORDER BY rowid")]

    @contextlib.contextmanager
    def log_locked(self):
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            con.execute("BEGIN IMMEDIATE")  # the write lock, for the whole database
            yield
            con.execute("ROLLBACK")
        finally:
            con.close()

    def destroy(self):
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------- PostgreSQL

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


def pg_columns(domain):
    """The SELECT list that reads domain's table as text pg_decode_rows() takes: vectors (real[]
    or pgvector, which casts to real[]) as the database's own binary output (array_send), so
    comparisons are bit for bit."""
    cols = []
    for name, typ in DOMAINS[domain].fields:
        if typ == "vector":
            cols.append("encode(array_send(\"%s\"::real[]), 'hex')" % name)
        elif typ == "strlist":
            cols.append("array_to_json(\"%s\")::text" % name)
        else:
            cols.append("\"%s\"::text" % name)
    return ", ".join(cols)


def pg_decode_rows(domain, records):
    """key -> normalized row, from records of pg_columns(domain) as text."""
    return decode_rows(domain, records, _le_floats_from_array_send)


class PostgresStore(Store):
    """A database of a pgserver.PgServer: a fresh one (dropped by destroy()), or db, borrowed."""

    def __init__(self, server, db=None):
        self.pg = server
        self.owned = db is None
        self.db = server.create_database() if db is None else db
        self.url = server.url(self.db)

    def _has_table(self, name):
        return self.pg.scalar(self.db, "SELECT to_regclass('\"%s\"') IS NOT NULL" % name) == "t"

    def count(self, domain):
        if not self._has_table(domain):
            return 0
        return int(self.pg.scalar(self.db, 'SELECT count(*) FROM "%s"' % domain))

    def rows(self, domain):
        if not self._has_table(domain):
            return {}
        return pg_decode_rows(domain, self.pg.query(self.db, 'SELECT %s FROM "%s"'
                                                    % (pg_columns(domain), domain)))

    def ingest_log(self):
        if not self._has_table("ingest_log"):
            return []
        names = ["domain", "file_name", "vector_dimension", "rows", "chunks", "status", "message",
                 "started_at", "finished_at", "client"]
        recs = self.pg.query(self.db, "SELECT domain, file_name, vector_dimension, \"rows\", chunks, status, "
                                      "message, started_at::text, finished_at::text, client FROM ingest_log "
                                      "ORDER BY id")
        out = []
        for rec in recs:
            e = dict(zip(names, rec))
            for k in ("vector_dimension", "rows", "chunks"):
                e[k] = int(e[k]) if e[k] is not None else None
            out.append(e)
        return out

    @contextlib.contextmanager
    def log_locked(self):
        with self.pg.held(self.db, "LOCK TABLE ingest_log IN EXCLUSIVE MODE"):
            yield

    def destroy(self):
        if self.owned:
            self.pg.drop_database(self.db)


# ---------------------------------------------------------------- one test class per store

class StoreFactory:
    """Makes a fresh store per test. available() returns None, or why the backend can't run here."""
    name = None

    def available(self):
        return None

    def create(self):
        raise NotImplementedError


class SqliteFactory(StoreFactory):
    name = "sqlite"

    def create(self):
        return SqliteStore()


class PostgresFactory(StoreFactory):
    """One throwaway PostgreSQL 15 cluster per test process (pgserver.shared_server: started on
    first use, stopped at exit); a fresh database per test, dropped after it."""
    name = "postgres"

    def available(self):
        return pgserver.available()

    def create(self):
        return PostgresStore(pgserver.shared_server())


STORE_FACTORIES = []


def register_store_factory(factory):
    """Adds a backend to every store-parameterized test class (store_test_classes)."""
    STORE_FACTORIES.append(factory)
    return factory


def selected_factories():
    """The registered factories ES_STORES names (all when unset); an unknown name is an error,
    as is a registered factory ctest does not know about (ES_TEST_STORES, set by CMakeLists.txt)."""
    known = [f.name for f in STORE_FACTORIES]
    ctest_stores = os.environ.get("ES_TEST_STORES")
    if ctest_stores is not None and sorted(ctest_stores.split(",")) != sorted(known):
        raise RuntimeError("the harness's stores %s differ from ES_TEST_STORES in CMakeLists.txt (%s)"
                           % (",".join(known), ctest_stores))
    wanted = [n.strip() for n in os.environ.get("ES_STORES", "").split(",") if n.strip()]
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise RuntimeError("ES_STORES names no store %s (known: %s)" % (",".join(unknown), ",".join(known)))
    return [f for f in STORE_FACTORIES if not wanted or f.name in wanted]


class StoreTestMixin:
    """Gives each test self.store, a fresh store from self.factory, destroyed afterwards."""
    factory = None

    def setUp(self):
        # Before the test class's own setUp, which may start a server on the store.
        self.store = self.factory.create()
        self.addCleanup(self.store.destroy)
        super().setUp()


class SharedStoreTestMixin:
    """Gives the class one store, cls.store, for all its tests (they must tell their rows apart):
    created before the class's own setUpClass, destroyed after its tearDownClass."""
    factory = None

    @classmethod
    def setUpClass(cls):
        cls.store = cls.factory.create()
        cls.addClassCleanup(cls.store.destroy)
        super().setUpClass()


def store_test_classes(mixin, namespace, shared_store=False, attrs=None):
    """Defines one unittest.TestCase per selected store factory from a mixin class that holds
    the tests (and does not itself derive from TestCase), into namespace (a module's globals()).
    Each test gets a fresh store, or with shared_store the class has one (SharedStoreTestMixin).
    attrs(store name), when given, returns more attributes (tests) for that store's class."""
    base = SharedStoreTestMixin if shared_store else StoreTestMixin
    for f in selected_factories():
        name = "%s_%s" % (mixin.__name__, f.name)
        extra = dict(attrs(f.name)) if attrs else {}
        cls = type(name, (base, mixin, unittest.TestCase), dict(extra, factory=f))
        reason = f.available()
        if reason:
            cls = unittest.skip("%s store: %s" % (f.name, reason))(cls)
        cls.__module__ = namespace.get("__name__", cls.__module__)
        namespace[name] = cls


register_store_factory(SqliteFactory())
register_store_factory(PostgresFactory())
