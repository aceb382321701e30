"""Where people talk to guidebot: Telegram and the terminal, over one conversation core."""
