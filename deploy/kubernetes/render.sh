#!/bin/sh
# Prints every manifest of this example, for `kubectl apply -f -`:
#
#   deploy/kubernetes/render.sh [CONNECTORS_DIR] [KUSTOMIZATION_DIR] | kubectl apply -f -
#
# First the kustomization beside this script (namespace, secret, volume, deployment, service: one
# engine on SQLite), or KUSTOMIZATION_DIR (deploy/kubernetes/postgres: N replicas on PostgreSQL), then
# the ConfigMap hms-sync-connectors made of every file in CONNECTORS_DIR (default: the connectors.d
# of this repository), so a connector merged by pull request reaches the cluster on the next run
# with no list to edit. Run it from the CI job that deploys main, or as an Argo CD plugin.
#
# The ConfigMap keeps its name (no content hash), so the Deployment keeps mounting it and an
# edit reaches the running pod through kubelet's volume refresh and hot reload, not a rollout.
# Only the folder's own files go in (not its subfolders, samples/ included); a ConfigMap holds
# at most 1 MiB in all. Needs only kubectl (its built-in kustomize); nothing here talks to a cluster.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
connectors=${1:-$here/../../connectors.d}
kustomization=${2:-$here}
kubectl kustomize "$kustomization"
echo ---
kubectl create configmap hms-sync-connectors --namespace hms-sync --from-file="$connectors" --dry-run=client --output yaml
