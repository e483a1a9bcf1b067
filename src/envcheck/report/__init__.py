"""Reports of check results: terminal, Markdown and JSON."""
