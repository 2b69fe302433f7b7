/**
 * Swallows what the process writes to stdout (the handlers' structured logs, which Lambda would send
 * to CloudWatch Logs) and counts its bytes, so log volume per invocation can be priced and the bench's
 * own output stays readable.
 */
export class LogSink {
  #bytes = 0;
  #lines = 0;
  #restore: (() => void) | undefined;

  start(): void {
    if (this.#restore) return;
    const stdout = process.stdout;
    const original = stdout.write;
    const sink = (chunk: unknown, ...rest: unknown[]): boolean => {
      const text =
        typeof chunk === 'string'
          ? chunk
          : chunk instanceof Uint8Array
            ? Buffer.from(chunk).toString('utf8')
            : '';
      this.#bytes += Buffer.byteLength(text, 'utf8');
      this.#lines += text.split('\n').filter((line) => line.trim() !== '').length;
      const callback = rest.find((argument) => typeof argument === 'function');
      if (typeof callback === 'function') queueMicrotask(() => callback());
      return true;
    };
    stdout.write = sink;
    this.#restore = () => {
      stdout.write = original;
    };
  }

  stop(): void {
    this.#restore?.();
    this.#restore = undefined;
  }

  /** Bytes and lines written since the last take. */
  take(): { bytes: number; lines: number } {
    const taken = { bytes: this.#bytes, lines: this.#lines };
    this.#bytes = 0;
    this.#lines = 0;
    return taken;
  }
}
