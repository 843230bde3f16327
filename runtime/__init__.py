"""The Discord runtime: the bot client, command tree, replies, command sync, logging of commands and offline mode."""
