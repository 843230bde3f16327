"""A loopback Discord for tests, the benchmark and ``bot.py --offline``: the real bot runs against it unmodified.

``server``       DiscordEmulator (and the ``/_test`` control API), assembled from layers, each may use those below:
                 ``core`` (state) < ``gateway`` < ``rest`` < ``interactions`` < ``member`` (the scripted member)
``models``       records and constants: Call, InteractionResult, errors, in-flight interactions and sessions
``validation``   Discord's limits on messages, command registrations and autocomplete choices
``responses``    JSON and error bodies shaped like Discord's
``objects``      Discord objects as dicts (users, members, channels, messages, guilds, READY)
``payloads``     interaction and MESSAGE_CREATE builders (re-exports ``objects``)
``driver``       Harness: raw gateway payloads into an in-process bot, REST calls captured
``commandline``  typed ``/command`` lines -> options (offline mode); ``render``: messages as terminal text
"""
