/**
 * The commented airlock.yaml that `airlock init` writes. Every setting is shown with its default,
 * so the file documents itself; uncommented, it is exactly the embedded defaults.
 */
export const projectConfigTemplate = `# airlock.yaml — the Airlock project file (every key: docs/formats.md in the Airlock repository).
# Paths are relative to this file's folder. Every key is optional; the values shown are the defaults.
version: 1

# The embedded store: one SQLite file holding the registry, dataset versions, eval runs and audit log.
store:
  path: .airlock/airlock.db

# The local content-addressed cache for dataset bytes (sha256/<2>/<62>), read-only once written.
cache:
  dir: .airlock/cache

# An S3 or S3-compatible remote for dataset objects (optional; deploy state has its own, deploy.s3).
# Credentials come from the usual AWS environment variables or profile, never from this file.
# remote:
#   s3:
#     bucket: my-team-airlock
#     prefix: airlock/
#     region: us-east-1
#     endpoint: https://s3.example.com   # only for S3-compatible servers (R2, MinIO, ...)
#     force_path_style: false

# Private, self-hosted or negotiated prices, over the bundled price data (optional).
# prices:
#   overrides: prices.yaml

# deploy_state.json: what runs in each environment, rollback, and the rollback-rate halt.
deploy:
  # One state per environment in a namespace (a team, cluster namespace or feature).
  namespace: default
  # A rollback refuses a state older than this unless --allow-stale (it may no longer describe what runs).
  max_age: 1h
  # More than count rollbacks within window halts deploys until a release manager unhalts.
  rollback_limit:
    count: 2
    window: 1h
  # The rollback's deploy command ({image} {commit} {release} {env} {namespace} are filled in):
  # command: kubectl -n support set image deployment/bot bot={image}
  dir: .airlock/deploy
  # Shared between CI runners: keep the state in S3 instead (written with conditional requests).
  # s3:
  #   bucket: my-team-airlock
  #   prefix: deploy/
  #   accept_unenforced_conditional_writes: false   # only for servers that ignore If-Match

# The prediction log behind rollout metrics: only each input's SHA-256 unless raw inputs are kept.
predictions:
  keep_inputs: false

# Model providers: OpenAI or any OpenAI-compatible endpoint (Azure, vLLM, Ollama, LiteLLM).
# A model id's first part names its provider: openai/gpt-4o-2024-11-20 is called through
# "openai" below (give it a base_url to send those calls to another endpoint), local/my-model-v1
# through "local". The key is read from the environment variable named here; it never goes in
# this file. Listing providers replaces the default (openai, below) with exactly the ones listed.
providers:
  openai:
    type: openai
    api_key_env: OPENAI_API_KEY
    # Whole answers (false) or streamed ones (true: cut streams are caught as errors).
    stream: false
#   local:
#     type: openai
#     base_url: http://127.0.0.1:8000/v1
#     api_key_env: LOCAL_LLM_KEY
`;
