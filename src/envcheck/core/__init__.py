"""The data every layer uses: checks and results, configuration, secrets, wording."""
