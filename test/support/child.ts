// Child programs for tests: spawn a fixture under tsx, read its output as it streams, await its exit.

import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root: children run there so `tsx` and `threadkit` resolve as for a user. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Absolute path of a file in test/fixtures/. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

const running = new Set<ChildProcess>();

/** A running child program whose stdout lines can be awaited one by one as they arrive. */
export class Program {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly #startedAt = Date.now();
  readonly #exit: Promise<Exit>;
  #waiters: Array<() => void> = [];

  constructor(command: string, args: string[], options: SpawnOptions = {}) {
    this.child = spawn(command, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], ...options });
    running.add(this.child);
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
      this.#wake();
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      this.#wake();
    });
    this.#exit = new Promise((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('close', (code, signal) => {
        running.delete(this.child);
        this.#wake();
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr, ms: Date.now() - this.#startedAt });
      });
    });
  }

  /** Lines of stdout received so far (complete lines only). */
  lines(): string[] {
    const parts = this.stdout.split('\n');
    parts.pop();
    return parts;
  }

  /** Resolves when a complete stdout line equal to `line` has arrived; rejects if the child exits first. */
  async waitForLine(line: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let closed = false;
    void this.#exit.then(
      () => (closed = true),
      () => (closed = true),
    );
    while (!this.lines().includes(line)) {
      if (closed) {
        throw new Error(`child exited before printing ${JSON.stringify(line)}\nstdout: ${this.stdout}\nstderr: ${this.stderr}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`no line ${JSON.stringify(line)} after ${timeoutMs} ms\nstdout: ${this.stdout}\nstderr: ${this.stderr}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Resolves with the exit and all output once the child has exited and its pipes closed. */
  exited(): Promise<Exit> {
    return this.#exit;
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

/** Runs `test/fixtures/<name>` with `node --import tsx`, as a user runs a TypeScript program. */
export function runFixture(name: string, args: string[] = [], nodeFlags: string[] = []): Program {
  return new Program(process.execPath, [...nodeFlags, '--import', 'tsx', fixture(name), ...args]);
}

/** Kills children a failed test left running (SIGKILL), so they do not outlive the suite. */
export function killLeftoverChildren(): number {
  let killed = 0;
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      killed += 1;
    }
  }
  return killed;
}
