/** The airlock.yaml schema (zod), as written and as validated. */

/** Finding, loading and resolving airlock.yaml into the typed configuration packages take. */
export {
  configFileName,
  type DeployConfig,
  findConfigFile,
  type LoadProjectConfigOptions,
  loadProjectConfig,
  type ProjectConfig,
  type ProviderConfig,
  providerBaseUrl,
  resolveProjectConfig,
  type S3Remote,
} from './project-config.ts';
export {
  deploySchema,
  type ProjectConfigFile,
  type ProjectConfigInput,
  projectConfigSchema,
  providerSchema,
  s3RemoteSchema,
} from './schema.ts';
/** The commented airlock.yaml `airlock init` writes. */
export { projectConfigTemplate } from './template.ts';
