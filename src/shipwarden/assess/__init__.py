"""``shipwarden assess``: the dated, scoped answer to "do you red-team your release pipeline?".

:func:`~shipwarden.assess.run.assess_repository` runs every analysis that
applies to one repository through :mod:`shipwarden.api` and records its scope;
:mod:`~shipwarden.assess.store` keeps the history; :mod:`~shipwarden.assess.report`
writes HTML, Markdown, JSON and a badge.
"""
