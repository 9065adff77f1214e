"""Django's SQLite backend, still serving reads when the database cannot be written to."""
