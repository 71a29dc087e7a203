"""The dock panel and dialogs; every action runs one of our Processing algorithms."""
