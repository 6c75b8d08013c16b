"""Publishing from Discord, one room per step; importing one room imports none of the others.

    guards    who may post, edit, delete and change settings; what the bot may do in a channel
    form      the review form: its inputs, opening it, reading a submission into the draft
    preview   the private preview that answers a submitted form, and its buttons
    publish   publishing a draft or saving an edit; deleting a review
    admin     `/review config …` and `/review status`

Custom ids (state lives in the database, so every step survives a restart):

    reviewbot:form:<draft id>               the review form and its "Link and spoiler" form
                                            (answered by `preview.answer_form`)
    reviewbot:draft:<draft id>:<action>     preview buttons: publish, edit, extras (the link
                                            and spoiler form), cancel; spoiler (the toggle of
                                            previews shown before the form had a checkbox)
    reviewbot:delete:<review id>:<yes|no>   confirming a delete
"""
