"""Everything that serves people: answers, channels and the command line."""
