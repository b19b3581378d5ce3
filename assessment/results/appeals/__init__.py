"""Appeals against a released result: the candidate lodges one within the window, an administrator
appoints a panel of three (two of them registered case managers, none conflicted), its members accept
or declare a conflict, and the panel records its outcome with reasons. ``rules`` is pure; ``queries``
read; ``services`` write (append-only rows, every one with its actor, time and reasons)."""
