import type { Datasets } from '@airlock/datasets';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../context.ts';
import { errorBodySchema } from '../error-body.ts';

const versionSchema = z
  .object({
    name: z.string(),
    sha256: z.string(),
    size: z.number().int(),
    files: z.number().int(),
    rows: z.number().int().optional(),
    format: z.string(),
    path: z.string(),
    pinnedAt: z.string(),
    pinnedBy: z.string(),
  })
  .openapi('DatasetVersion');

const errors = {
  401: {
    description: 'No or unknown bearer token',
    content: { 'application/json': { schema: errorBodySchema } },
  },
  404: { description: 'Unknown dataset', content: { 'application/json': { schema: errorBodySchema } } },
};

const listDatasets = createRoute({
  method: 'get',
  path: '/v1/datasets',
  tags: ['datasets'],
  summary: 'Pinned datasets, each with its latest version and how many versions it has',
  security: [{ bearerAuth: [] }],
  responses: {
    200: {
      description: 'Datasets',
      content: {
        'application/json': {
          schema: z.object({
            datasets: z.array(
              z.object({ name: z.string(), versions: z.number().int(), latest: versionSchema }),
            ),
          }),
        },
      },
    },
    ...errors,
  },
});

const listVersions = createRoute({
  method: 'get',
  path: '/v1/datasets/{name}/versions',
  tags: ['datasets'],
  summary: 'Every pinned version of a dataset, oldest first',
  security: [{ bearerAuth: [] }],
  request: { params: z.object({ name: z.string() }) },
  responses: {
    200: {
      description: 'Versions',
      content: { 'application/json': { schema: z.object({ versions: z.array(versionSchema) }) } },
    },
    ...errors,
  },
});

export function registerDatasetRoutes(app: OpenAPIHono<AppEnv>, datasets: Datasets): void {
  app.openapi(listDatasets, async (context) => {
    const byName = new Map<
      string,
      { name: string; versions: number; latest: Awaited<ReturnType<Datasets['listVersions']>>[number] }
    >();
    for (const version of await datasets.listVersions()) {
      const entry = byName.get(version.name);
      byName.set(version.name, { name: version.name, versions: (entry?.versions ?? 0) + 1, latest: version });
    }
    return context.json({ datasets: [...byName.values()] }, 200);
  });
  app.openapi(listVersions, async (context) => {
    const { name } = context.req.valid('param');
    const versions = await datasets.listVersions(name);
    if (versions.length === 0) {
      return context.json(
        {
          error: {
            code: 'NOT_FOUND' as const,
            message: `no dataset ${name}`,
            requestId: context.get('requestId'),
          },
        },
        404,
      );
    }
    return context.json({ versions }, 200);
  });
}
