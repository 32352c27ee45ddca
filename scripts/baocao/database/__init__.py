"""The database: the data package loaded into SQLite, in parts when it is large."""
