"""Release packaging review for ``shipwarden gate``.

* :mod:`~shipwarden.packaging.npm_packlist` — npm's packlist rules, ported
  (:func:`npm_packlist`); :mod:`~shipwarden.packaging.npm` runs
  ``npm pack --dry-run --json --ignore-scripts``.
* :mod:`~shipwarden.packaging.collect` — TARGET to artifacts;
  :mod:`~shipwarden.packaging.pybuild` — ``--build`` (in the bubblewrap sandbox).
* :mod:`~shipwarden.packaging.inspect` — one streamed pass per artifact: source
  maps (:mod:`~shipwarden.packaging.sourcemap`), secrets
  (:mod:`~shipwarden.packaging.secretscan` over :mod:`shipwarden.secrets`),
  never-ship files, install-time code, non-registry dependencies, budgets.
* :mod:`~shipwarden.packaging.summary` and :mod:`~shipwarden.packaging.diffcheck`
  — the release diff for ``--against``.
* :mod:`~shipwarden.packaging.policy` and :mod:`~shipwarden.packaging.verdict`.
* :mod:`~shipwarden.packaging.gate` — :func:`run_gate`, the whole run.
"""
