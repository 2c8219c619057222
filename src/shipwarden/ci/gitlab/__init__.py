"""GitLab CI: ``.gitlab-ci.yml`` with its local includes, ``extends``, anchors and ``!reference``."""
