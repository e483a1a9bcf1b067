"""The console scripts: ``envcheck`` and its sub-commands."""
