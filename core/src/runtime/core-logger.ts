/** The slice of a pino-style logger the core uses; the API passes fastify's logger in. */
export interface CoreLogger {
  debug(details: Record<string, unknown>, message: string): void;
  info(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
  error(details: Record<string, unknown>, message: string): void;
}

const write = (level: string) => (details: Record<string, unknown>, message: string): void => {
  process.stderr.write(`${JSON.stringify({ level, time: Date.now(), msg: message, ...details })}\n`);
};

/** Structured JSON lines on stderr; debug is dropped. */
export const jsonLogger: CoreLogger = { debug: () => undefined, info: write('info'), warn: write('warn'), error: write('error') };

export const silentLogger: CoreLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
