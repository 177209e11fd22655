#!/usr/bin/env bash
# Lints the Helm chart and renders it with its default values and with
# every optional part on (deploy/openbackbone/ci/all-values.yaml), failing
# on any error or when a rendering lacks a kind it must have. Installs helm
# from the Go module proxy when it is not on PATH (a few minutes the first
# time; later runs reuse the binary in $(go env GOPATH)/bin).
set -euo pipefail
cd "$(dirname "$0")/.."

helm_version=v3.22.0
chart=deploy/openbackbone

helm=$(command -v helm || true)
if [ -z "$helm" ]; then
  gobin="$(go env GOPATH)/bin"
  helm="$gobin/helm"
  if ! "$helm" version --short 2>/dev/null | grep -q "^${helm_version%.*}"; then
    echo "installing helm $helm_version into $gobin"
    GOBIN="$gobin" go install "helm.sh/helm/v3/cmd/helm@$helm_version"
  fi
fi
"$helm" version --short

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# expect_kinds FILE KIND… fails unless FILE has a document of every KIND.
expect_kinds() {
  local file=$1 kind missing=0
  shift
  for kind in "$@"; do
    if ! grep -q "^kind: $kind\$" "$file"; then
      echo "helm-check: $file renders no $kind" >&2
      missing=1
    fi
  done
  return $missing
}

# lint only logs a template's fail; such a log is an error here.
lint() {
  "$helm" lint --strict "$chart" "$@" 2>"$out/lint.err" || { cat "$out/lint.err" >&2; return 1; }
  if grep -q 'Fail:' "$out/lint.err"; then
    cat "$out/lint.err" >&2
    return 1
  fi
}
lint
lint -f "$chart/ci/all-values.yaml"

"$helm" template openbackbone "$chart" >"$out/default.yaml"
expect_kinds "$out/default.yaml" ConfigMap ServiceAccount Deployment Service CronJob Job PodDisruptionBudget
[ "$(grep -c '^kind: Deployment$' "$out/default.yaml")" -eq 2 ] || { echo "helm-check: want a consumer and an admin Deployment" >&2; exit 1; }
[ "$(grep -c '^kind: CronJob$' "$out/default.yaml")" -eq 3 ] || { echo "helm-check: want three CronJobs" >&2; exit 1; }
grep -q 'helm.sh/hook: pre-install,pre-upgrade' "$out/default.yaml" || { echo "helm-check: the migrations are no pre-install/pre-upgrade hook" >&2; exit 1; }

"$helm" template openbackbone "$chart" -f "$chart/ci/all-values.yaml" >"$out/all.yaml"
expect_kinds "$out/all.yaml" ConfigMap ServiceAccount Deployment Service CronJob Job PodDisruptionBudget \
  HorizontalPodAutoscaler Ingress ExternalSecret

# Values that must not render: the chart's own checks.
if "$helm" template openbackbone "$chart" --set configuration.auth.signingKeyFile=null >/dev/null 2>&1; then
  echo "helm-check: a configuration without a signing key rendered" >&2
  exit 1
fi
echo "helm-check: chart OK"
