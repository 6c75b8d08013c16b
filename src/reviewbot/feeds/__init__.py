"""Following blogs' feeds and importing exports: no Discord here, and SQL only through the store.

addresses.py   which addresses a feed may be fetched from (no private networks)
fetch.py       fetching a feed like a good citizen: bounded, conditional, redirects checked
markdown.py    a feed's HTML as Discord Markdown
entries.py     a feed's entries as reviews, each with the key that recognises it
exports.py     Letterboxd and Goodreads export files as reviews
follow.py      adding, checking and polling a feed; one-off imports of a feed
poller.py      the background task that polls every due feed
"""
