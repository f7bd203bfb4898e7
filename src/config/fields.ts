import { inspect } from 'node:util';

/**
 * A secret the process must send somewhere: `reveal()` is the one way to its value. Printed in
 * any way (JSON.stringify, util.inspect, a log line, a template string) it is `[redacted]`.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toJSON(): string {
    return '[redacted]';
  }
  toString(): string {
    return '[redacted]';
  }
  [inspect.custom](): string {
    return '[redacted]';
  }
}
