/**
 * `npm start`: the platform on the embedded default, in one process: event store, core (router, call
 * flow, timers), read models and the GraphQL API on PORT (default 3000) with data in DATA_DIR
 * (default ./data), the SIP edge on SIP_PORT (default 5060), and the built console on the same port.
 */
import { configFromEnv, startServer } from '../api/src/server.ts';

const server = await startServer(configFromEnv());

const shutdown = async (signal: string): Promise<void> => {
  server.app.log.info({ signal }, 'stopping');
  await server.stop();
  process.exit(0);
};
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));
