# harness - what the integration tests share: paths and processes, gRPC stubs, data files, stores, the ctest runner.
"""Helpers for tests that drive the real `embedstream` binary on loopback. A test script does

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import harness as h                     # everything below but harness.api, by name
    ...
    if __name__ == "__main__":
        h.main()                            # not unittest.main(): see runner.py

Layout, one module per concern (each lists its public names in __all__; this file re-exports
them, so `h.NAME` works whichever module NAME lives in):
  procs.py    paths (BIN, SOURCE_DIR, BUILD_DIR), time bounds (scaled, wait_until), processes:
              ServerProcess/Server (sigterm, wait_exit), run_ingest/start_ingest/finish_ingest, run_cmd,
              run_unit_binary, generate, stats, tempdir, free_port
  stubs.py    gRPC: protos()/health_pb() generated at run time, request builders (md,
              recruit_chunk, uuid_key), Client (raw ingest + health), HeldStream, PingCounter
  data.py     the domains (DOMAINS), writing files (make_rows, write_rows, write_domain_file)
              and reading them as a store should hold them (read_file_rows, expected_store)
  stores.py   SqliteStore/PostgresStore read back in data.py's normalized form, store factories
              and store_test_classes (one TestCase per store, picked with ES_STORES)
  runner.py   main(): ctest exit codes (0 passed, 1 failed, 77 skipped)
  certs.py    TLS test certificates made with openssl (tls_certs(): CA, server, client, expired, other CA)
  api.py      `embedstream api` and HTTP calls (`from harness import api as a`; not re-exported)
Servers the tests start that are also programs of their own stay next to the scripts:
pgserver.py (PostgreSQL 15, also used by bench/), pglite.py (pgvector), pyclient.py/pyserver.py
(the spec's Python pair), cdp.py (headless Chromium).

Extending: a helper goes in the module of its concern (a new concern: a new module, imported
below) and into that module's __all__. A new test script test_NAME.py is found by
CMakeLists.txt; if it calls store_test_classes at top level, ctest runs it once per store
(integration/test_NAME:sqlite, ...), and then it must hold per-store tests only (runner.py
checks). Tests with different prerequisites (PostgreSQL, node, Chromium) go in different
scripts, so that each ctest entry runs whole or is reported skipped whole.

Environment (set by ctest; defaults suit a manual run from the source tree):
  ES_BIN         the embedstream binary        (default ES_BUILD_DIR/embedstream)
  ES_SOURCE_DIR  the source tree               (default three levels above this file)
  ES_BUILD_DIR   the build tree                (default ES_SOURCE_DIR/build)
  ES_SANITIZE    "1" under ASan/UBSan: every timeout is stretched by SLOW
  ES_STORES      optional comma list of store factory names to run ("sqlite,postgres")
  ES_TEST_STORES the stores ctest runs per-store scripts with (CMakeLists.txt; checked)
  ES_PG_BIN      PostgreSQL's programs (pgserver.py; a directory without them: PostgreSQL
                 tests report skipped)
"""
from . import certs, data, procs, runner, stores, stubs
from .certs import *  # noqa: F401,F403
from .data import *  # noqa: F401,F403
from .procs import *  # noqa: F401,F403
from .runner import *  # noqa: F401,F403
from .stores import *  # noqa: F401,F403
from .stubs import *  # noqa: F401,F403

__all__ = (procs.__all__ + stubs.__all__ + data.__all__ + stores.__all__ + runner.__all__
           + certs.__all__)
