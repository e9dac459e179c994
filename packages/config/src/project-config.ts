import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { AirlockError, parseDuration, readYamlFile } from '@airlock/core';
import type { z } from 'zod';
import { type ProjectConfigFile, projectConfigSchema, type s3RemoteSchema } from './schema.ts';

/** The name of the project file, looked for in the working folder and its parents. */
export const configFileName = 'airlock.yaml';

export interface S3Remote {
  bucket: string;
  prefix: string;
  region: string;
  endpoint?: string;
  forcePathStyle: boolean;
}

export interface ProviderConfig {
  type: 'openai';
  baseUrl?: string;
  /** An environment variable whose value, when set, replaces baseUrl. */
  baseUrlEnv?: string;
  apiKeyEnv: string;
  stream: boolean;
}

/** Where deploy state lives and the limits on acting on it. */
export interface DeployConfig {
  namespace: string;
  maxAgeMs: number;
  rollbackLimit: { count: number; windowMs: number };
  command?: string;
  /** The local store's folder (absolute). */
  dir: string;
  s3?: S3Remote & { acceptUnenforcedConditionalWrites: boolean };
}

/** The project configuration as packages take it: absolute paths, camelCase, defaults applied. */
export interface ProjectConfig {
  /** The airlock.yaml this came from, or undefined when running on the embedded defaults. */
  file?: string;
  /** The folder paths are relative to (the config file's folder). */
  root: string;
  storePath: string;
  cacheDir: string;
  remote?: S3Remote;
  /** The price override file, when airlock.yaml names one. */
  priceOverrides?: string;
  providers: Record<string, ProviderConfig>;
  deploy: DeployConfig;
  /** Whether the prediction log keeps raw inputs (default: only their SHA-256). */
  predictions: { keepInputs: boolean };
}

function absolute(root: string, path: string): string {
  return isAbsolute(path) ? path : resolve(root, path);
}

function s3Remote(s3: z.output<typeof s3RemoteSchema>): S3Remote {
  return {
    bucket: s3.bucket,
    prefix: s3.prefix,
    region: s3.region,
    forcePathStyle: s3.force_path_style,
    ...(s3.endpoint === undefined ? {} : { endpoint: s3.endpoint }),
  };
}

function resolveDeploy(deploy: ProjectConfigFile['deploy'], root: string): DeployConfig {
  // The schema has checked every duration parses.
  const ms = (text: string) => parseDuration(text) ?? 0;
  return {
    namespace: deploy.namespace,
    maxAgeMs: ms(deploy.max_age),
    rollbackLimit: { count: deploy.rollback_limit.count, windowMs: ms(deploy.rollback_limit.window) },
    ...(deploy.command === undefined ? {} : { command: deploy.command }),
    dir: absolute(root, deploy.dir),
    ...(deploy.s3 === undefined
      ? {}
      : {
          s3: {
            ...s3Remote(deploy.s3),
            acceptUnenforcedConditionalWrites: deploy.s3.accept_unenforced_conditional_writes,
          },
        }),
  };
}

/** A provider's endpoint: its base_url_env's value when that is set, else base_url (undefined: OpenAI). */
export function providerBaseUrl(
  provider: ProviderConfig,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const override = provider.baseUrlEnv === undefined ? undefined : env[provider.baseUrlEnv];
  return override || provider.baseUrl;
}

/** Turns a validated file into the resolved configuration. */
export function resolveProjectConfig(
  file: ProjectConfigFile,
  root: string,
  configPath?: string,
): ProjectConfig {
  const s3 = file.remote?.s3;
  const providers: Record<string, ProviderConfig> = {};
  for (const [name, provider] of Object.entries(file.providers)) {
    providers[name] = {
      type: provider.type,
      apiKeyEnv: provider.api_key_env,
      stream: provider.stream,
      ...(provider.base_url === undefined ? {} : { baseUrl: provider.base_url }),
      ...(provider.base_url_env === undefined ? {} : { baseUrlEnv: provider.base_url_env }),
    };
  }
  return {
    ...(configPath === undefined ? {} : { file: configPath }),
    root,
    storePath: absolute(root, file.store.path),
    cacheDir: absolute(root, file.cache.dir),
    ...(s3 === undefined ? {} : { remote: s3Remote(s3) }),
    ...(file.prices ? { priceOverrides: absolute(root, file.prices.overrides) } : {}),
    providers,
    deploy: resolveDeploy(file.deploy, root),
    predictions: { keepInputs: file.predictions.keep_inputs },
  };
}

/** Finds airlock.yaml in `startDir` or the nearest parent folder that has one. */
export function findConfigFile(startDir: string): string | undefined {
  let dir = resolve(startDir);
  for (;;) {
    const candidate = join(dir, configFileName);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export interface LoadProjectConfigOptions {
  /** An explicit file (`--config`); it must exist. */
  path?: string;
  /** Where to start looking when no path is given, and what messages are relative to. */
  cwd: string;
}

/**
 * Loads the project configuration: the explicit file, else the nearest airlock.yaml, else the
 * embedded defaults rooted at `cwd`. A malformed file is an INVALID_INPUT error with one
 * `airlock.yaml:line:col` issue per problem.
 */
export function loadProjectConfig(options: LoadProjectConfigOptions): ProjectConfig {
  const path = options.path === undefined ? findConfigFile(options.cwd) : resolve(options.cwd, options.path);
  if (path === undefined) {
    return resolveProjectConfig(projectConfigSchema.parse({}), resolve(options.cwd));
  }
  // Named as the user gave it (--config), else relative to where they are.
  const display = options.path ?? (relative(options.cwd, path) || path);
  if (options.path !== undefined && !existsSync(path)) {
    throw new AirlockError('NOT_FOUND', `${display}: no such file (given with --config)`, {
      context: { path },
    });
  }
  const file = readYamlFile(path, projectConfigSchema, display);
  return resolveProjectConfig(file, dirname(path), path);
}
