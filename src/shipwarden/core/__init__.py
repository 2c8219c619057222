"""The core every analysis shares: findings, the rule catalogue, configuration, safe reading, the finishing pipeline."""
