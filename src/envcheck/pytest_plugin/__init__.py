"""The pytest plugin: options, items, fixtures, log redaction."""
