/**
 * Progress of a long command on stderr. On a terminal one line is rewritten in place; anywhere
 * else (a log file, CI, a pipe) whole lines are printed: each new step at once, and within a step
 * at most one line every `everyMs`, so a log shows what the command is doing without a flood.
 */
export interface ProgressOptions {
  isTTY: boolean;
  write: (text: string) => void;
  now?: () => number;
  everyMs?: number;
}

export interface Progress {
  (line: string): void;
  /** Ends the progress display (a newline after an in-place line). */
  done(): void;
}

/** A step is the line without its numbers: "customers 1,000/5,000" and "customers 2,000/5,000" are one step. */
const stepOf = (line: string) => line.replace(/[\d.,:%/]+/g, '#');

export function progressLine(opts: ProgressOptions): Progress {
  const now = opts.now ?? Date.now;
  const everyMs = opts.everyMs ?? 2000;
  const started = now();
  let lastAt = -Infinity;
  let lastStep: string | undefined;
  let inPlace = false;
  const show = ((line: string) => {
    const text = `${line} (${Math.round((now() - started) / 1000)} s)`;
    if (opts.isTTY) {
      opts.write(`\r${text}\x1b[K`);
      inPlace = true;
      return;
    }
    const step = stepOf(line);
    if (step === lastStep && now() - lastAt < everyMs) return;
    lastStep = step;
    lastAt = now();
    opts.write(`${text}\n`);
  }) as Progress;
  show.done = () => {
    if (inPlace) opts.write('\n');
    inPlace = false;
  };
  return show;
}
