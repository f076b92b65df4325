//! Report writers: CSV, PNG, JSON and YAML, each written to a temporary file and renamed into place.
