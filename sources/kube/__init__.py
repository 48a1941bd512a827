"""The Kubernetes API: kubeconfig, list + watch, pods and workloads, actions and rollback."""
