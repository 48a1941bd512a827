"""What the tests share: the fake Kubernetes API server, a fault proxy, power-cut shim, data
corpora.
"""
