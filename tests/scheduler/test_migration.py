"""The rotation and scheduler tables come from the alembic history (revision 0003)."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import emergency.rotation.models  # noqa: F401
import emergency.scheduler.models  # noqa: F401
from enterprise_registry.db import open_database

OURS = {"rotation_plan", "dispatch_log"}


def test_models_match_revision_0003(db_url):
    engine = open_database(db_url)
    names = set(sa.inspect(engine).get_table_names())
    assert OURS | {"apscheduler_jobs"} <= names

    def only_ours(obj, name, type_, reflected, compare_to):
        return type_ != "table" or name in OURS

    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": only_ours})
        assert compare_metadata(ctx, SQLModel.metadata) == []
    uniques = sa.inspect(engine).get_unique_constraints("dispatch_log")
    assert any(sorted(u["column_names"]) == ["day", "kind", "scope"] for u in uniques)
    engine.dispose()


def test_job_store_table_is_the_one_apscheduler_defines(db_url):
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    engine = open_database(db_url)
    store = SQLAlchemyJobStore(engine=engine, tablename="apscheduler_jobs")
    ours = {c["name"]: type(c["type"]).__name__ for c in sa.inspect(engine).get_columns("apscheduler_jobs")}
    assert set(ours) == {c.name for c in store.jobs_t.columns}
    engine.dispose()
