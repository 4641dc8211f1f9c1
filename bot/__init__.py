"""applicant-bot's outer layer: settings, the command line, and (later) the channel adapters."""
