"""The system of record: SQLAlchemy 2 tables, the engine factory, migrations, repositories."""
