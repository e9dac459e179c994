import { AirlockError, createLogger } from '@airlock/core';
import type { CommandDefinition } from '../command.ts';

export const serveCommand: CommandDefinition = {
  words: ['serve'],
  summary: 'run the Airlock HTTP API for this project',
  description:
    'Serves the API until interrupted (Ctrl-C or SIGTERM). Request logs go to stderr: readable on a\n' +
    'terminal, JSON lines otherwise. GET /openapi.json describes every route.',
  options: {
    port: {
      type: 'string',
      valueName: 'port',
      description: 'port to listen on; 0 picks a free one',
      default: '8787',
    },
    host: { type: 'string', valueName: 'address', description: 'address to listen on', default: '127.0.0.1' },
  },
  positionals: [],
  examples: [
    { command: 'airlock serve', description: 'serve on http://127.0.0.1:8787' },
    { command: 'airlock serve --port 9000 --host 0.0.0.0', description: 'serve on every interface' },
  ],
  async run(context, options) {
    const port = Number(options.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new AirlockError(
        'INVALID_INPUT',
        `--port: expected a port number 0-65535, got "${String(options.port)}"`,
      );
    }
    const logger = createLogger({
      write: (line) => context.io.stderr.write(line),
      format: context.io.stderr.isTTY === true ? 'pretty' : 'json',
    });
    // Loaded on use: the HTTP stack (hono, OpenAPI) is only needed by this command.
    const { startServer } = await import('@airlock/api/server');
    const server = await startServer({
      config: context.config(),
      port,
      hostname: String(options.host),
      logger,
      version: context.version,
    });
    context.output.result({ url: server.url }, () => [
      `Airlock API on ${context.output.bold(server.url)}  (OpenAPI: ${server.url}/openapi.json; Ctrl-C stops)`,
    ]);
    await context.io.waitForShutdown();
    await server.close();
    logger.info('stopped');
    return 0;
  },
};
