"""Knowledge shared by more than one analysis, as typed views of packaged tables.

``credential_stores``: where developer and runner credentials live
(``data/credential_stores.toml``): swept by ``endpoint``, watched for in
install-time code by ``deps``, planted as bait by ``detonate``.
"""
