"""Collecting checks from the hooks and running them: registry, runner, result store."""
