"""Cross-workflow attack paths: from an outsider to a publish capability or a secret.

:mod:`~shipwarden.paths.search` finds the paths of a GitHub repository from its entries and
capabilities (:mod:`~shipwarden.paths.ends`) through carriers (:mod:`~shipwarden.paths.carriers`);
:mod:`~shipwarden.paths.report` turns them into findings of the ``attack-path`` rule
(:mod:`~shipwarden.paths.rule`), which GitLab's path search (:mod:`shipwarden.ci.gitlab.paths`)
reports under too.
"""
