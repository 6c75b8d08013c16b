"""Discord's size limits that the bot's messages, menus and forms are cut to fit."""

from __future__ import annotations

# Discord counts characters (code points), as `len()` does.

# Embeds (search results).
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_TOTAL = 6000  # title + description + field names and values + footer + author, all embeds

# Layout messages (components v2): the review card.
LAYOUT_TEXT = 4000  # all text displays of one message together
LAYOUT_COMPONENTS = 40  # every component of one message, nested ones included
MEDIA_DESCRIPTION = 1024  # a thumbnail's alt text

# Components.
BUTTON_LABEL = 80
LINK_URL = 512  # a link button's address
CUSTOM_ID = 100
SELECT_OPTIONS = 25
SELECT_OPTION_TEXT = 100  # label, value and description each

# Autocomplete.
AUTOCOMPLETE_CHOICES = 25
AUTOCOMPLETE_NAME = 100

# Modals.
MODAL_TITLE = 45
MODAL_INPUTS = 5  # labels (each around one input) in one form
LABEL_TEXT = 45
LABEL_DESCRIPTION = 100
TEXT_INPUT_VALUE = 4000
