/** The part of a pino logger background work uses; Fastify's request logger satisfies it. */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

const LEVELS = { info: 30, warn: 40, error: 50 } as const;

/** JSON lines on stdout in pino's shape, for processes that run workers without an HTTP server. */
export function jsonLogger(name: string): Logger {
  const write = (level: keyof typeof LEVELS) => (obj: object, msg?: string) => {
    const fields = obj instanceof Error ? { err: { message: obj.message, stack: obj.stack } } : obj;
    const err = (fields as { err?: unknown }).err;
    const line = {
      level: LEVELS[level],
      time: Date.now(),
      name,
      ...fields,
      ...(err instanceof Error ? { err: { message: err.message, stack: err.stack } } : {}),
      msg,
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  };
  return { info: write('info'), warn: write('warn'), error: write('error') };
}
