"""Release packaging review for ``shipwarden gate``.

* :mod:`~shipwarden.packaging.npm_packlist` — npm's packlist rules, ported
  (:func:`npm_packlist`); :mod:`~shipwarden.packaging.npm` runs
  ``npm pack --dry-run --json --ignore-scripts``.
* :mod:`~shipwarden.packaging.collect` — TARGET to artifacts;
  :mod:`~shipwarden.packaging.pybuild` — ``--build`` (in the bubblewrap sandbox).
* :mod:`~shipwarden.packaging.inspect` — one streamed pass per artifact that
  collects what the checks read (:class:`~shipwarden.packaging.review.Review`):
  source maps (:mod:`~shipwarden.packaging.sourcemap`), secrets
  (:mod:`~shipwarden.packaging.secretscan` over :mod:`shipwarden.secrets`),
  captured manifests and ``.pth`` files, native binaries.
* :mod:`~shipwarden.packaging.rules` — the checks, one rule module each
  (``META`` and ``check``): never-ship files, secrets, source maps, install
  scripts, non-registry dependencies, ``.pth``, ``setup.py``, native binaries,
  layout and budgets; :mod:`~shipwarden.packaging.material` tells test and
  documentation material from code.
* :mod:`~shipwarden.packaging.summary` and :mod:`~shipwarden.packaging.diffcheck`
  — the release diff for ``--against``.
* :mod:`~shipwarden.packaging.policy` and :mod:`~shipwarden.packaging.verdict`.
* :mod:`~shipwarden.packaging.gate` — :func:`run_gate`, the whole run.
"""
