"""``shipwarden assess``: the dated, scoped answer to "do you red-team your release pipeline?".

This package is the assessment itself: its model (:mod:`~shipwarden.assess.model`,
scope as data), the targets of one repository (:mod:`~shipwarden.assess.targets`),
the history (:mod:`~shipwarden.assess.store`) and the writers of HTML, Markdown,
JSON and a badge (:mod:`~shipwarden.assess.report`). Running every analysis that
applies is :func:`shipwarden.api.assess`, which composes the API's own functions.
"""
