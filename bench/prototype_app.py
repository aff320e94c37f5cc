"""Benchmark-only prototype of the engine settings bench/README.md recommends for the read path; not the product.

The product app with two engine options changed: no `pool_pre_ping` (one round trip per checkout; stale
connections are handled by `pool_recycle` instead) and AUTOCOMMIT (a read-only request then sends no
BEGIN and no ROLLBACK). AUTOCOMMIT is only safe here because this server answers the standings reads of
the benchmark; the product would scope it to safe methods, as fantasy/common/sqlite.py does for SQLite.
"""
from _env import app_env

app_env()
from config import ProductionConfig  # noqa: E402  (reads the environment set just above)
from fantasy import create_app  # noqa: E402

OPTIONS = {**ProductionConfig.SQLALCHEMY_ENGINE_OPTIONS, "pool_pre_ping": False, "pool_recycle": 1800,
           "isolation_level": "AUTOCOMMIT"}
app = create_app(overrides={"SQLALCHEMY_ENGINE_OPTIONS": OPTIONS})
