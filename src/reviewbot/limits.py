"""Discord's size limits that the bot's messages, menus and forms are cut to fit."""

from __future__ import annotations

# Embeds; Discord counts characters (code points), as `len()` does.
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_TOTAL = 6000  # title + description + field names and values + footer + author, all embeds

# Select menus.
SELECT_OPTIONS = 25
SELECT_OPTION_TEXT = 100  # label, value and description each

# Autocomplete.
AUTOCOMPLETE_CHOICES = 25
AUTOCOMPLETE_NAME = 100

# Modals.
MODAL_TITLE = 45
TEXT_INPUT_VALUE = 4000
