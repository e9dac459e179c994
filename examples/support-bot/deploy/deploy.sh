#!/usr/bin/env bash
# The support bot's deploy command: rolls one image out to one environment.
#
#   deploy/deploy.sh <image> <env> [<commit>]
#
# The release-gate workflow (.github/workflows/release-gate-example.yml) runs it after the staging
# gate has passed, and `airlock deploy rollback` runs it with the last known-good image, since it is
# `deploy.command` in airlock.yaml. Arguments left out come from the AIRLOCK_DEPLOY_IMAGE,
# AIRLOCK_DEPLOY_ENV and AIRLOCK_DEPLOY_COMMIT variables that a rollback sets.
#
# How to reach your platform is yours to say, in DEPLOY_COMMAND (a GitHub Actions variable of the
# production environment, say). {image}, {env} and {commit} in it are replaced by shell-quoted
# values, which are also exported as AIRLOCK_DEPLOY_*; it runs under `sh -c` and its exit status is
# this script's:
#
#   DEPLOY_COMMAND='kubectl -n support set image deployment/support-bot bot={image}'
#
# Without DEPLOY_COMMAND nothing is deployed: it says so and what it would have deployed, and exits 0,
# so the example pipeline runs end to end before it is pointed at a real platform.
set -euo pipefail

usage() {
  echo "usage: deploy/deploy.sh <image> <env> [<commit>]  (runs \$DEPLOY_COMMAND with {image} {env} {commit})" >&2
  exit 2
}

image=${1:-${AIRLOCK_DEPLOY_IMAGE:-}}
env=${2:-${AIRLOCK_DEPLOY_ENV:-}}
commit=${3:-${AIRLOCK_DEPLOY_COMMIT:-}}
[[ $# -le 3 && -n "$image" && -n "$env" ]] || usage

# Quotes a value for sh, so an image reference can never become shell syntax.
shell_quote() {
  printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

if [[ -z "${DEPLOY_COMMAND:-}" ]]; then
  message="would deploy $image to $env${commit:+ (commit $commit)}; set DEPLOY_COMMAND to deploy it"
  echo "deploy.sh: $message"
  # An annotation on the run, so a pipeline that deploys nothing does not look like one that did.
  if [[ -n "${GITHUB_ACTIONS:-}" ]]; then echo "::notice title=deploy.sh::nothing deployed: $message"; fi
  exit 0
fi

command=$DEPLOY_COMMAND
rest=$command
for name in image env commit; do
  placeholder="{$name}"
  rest=${rest//"$placeholder"/}
done
if [[ "$rest" =~ \{[a-z_]+\} ]]; then
  echo "deploy.sh: DEPLOY_COMMAND uses ${BASH_REMATCH[0]}; it may use {image} {env} {commit}" >&2
  exit 2
fi
if [[ "$command" == *"{commit}"* && -z "$commit" ]]; then
  echo "deploy.sh: DEPLOY_COMMAND uses {commit}, but no commit was given" >&2
  exit 2
fi
quoted_image=$(shell_quote "$image")
quoted_env=$(shell_quote "$env")
quoted_commit=$(shell_quote "$commit")
command=${command//"{image}"/"$quoted_image"}
command=${command//"{env}"/"$quoted_env"}
command=${command//"{commit}"/"$quoted_commit"}

export AIRLOCK_DEPLOY_IMAGE=$image AIRLOCK_DEPLOY_ENV=$env AIRLOCK_DEPLOY_COMMIT=$commit
echo "deploy.sh: deploying $image to $env${commit:+ (commit $commit)}"
exec sh -c "$command"
