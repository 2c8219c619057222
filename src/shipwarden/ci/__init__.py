"""CI providers: GitHub Actions (``ci.github``), GitLab CI (``ci.gitlab``) and Jenkins (``ci.jenkins``).

Each provider loads its own files into a small model with exact spans and runs its own
rules. What they share is provider-neutral and lives here: the shell analysis
(:mod:`shipwarden.ci.shell`), the ``${{ }}`` template sites (:mod:`shipwarden.ci.templates`),
the YAML loader with spans (:mod:`shipwarden.ci.yamlspan`), the provider result and rule
registry (:mod:`shipwarden.ci.result`, :mod:`shipwarden.ci.registry`).
:func:`shipwarden.ci.providers.scan_providers` is what ``scan`` calls for every root.
"""
