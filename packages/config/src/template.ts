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

# An S3 or S3-compatible remote for dataset objects and shared deploy state (optional).
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

# Model providers: OpenAI or any OpenAI-compatible endpoint (Azure, vLLM, Ollama, LiteLLM).
# The key is read from the environment variable named here; it never goes in this file.
# Listing providers replaces the default (openai, below) with exactly the ones listed.
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
