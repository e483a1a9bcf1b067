"""``envcheck init``: derive a ``[tool.envcheck]`` for a project and write it."""
