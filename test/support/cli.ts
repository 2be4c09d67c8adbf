/** The real `vbs` command as separate processes: what an operator runs. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/src/cli/main.js, next to dist/test/support/. */
export const CLI_MAIN = path.resolve(here, '../../src/cli/main.js');
/** The checkout root (dist/..), where bin/vbs.js and package.json live. */
export const REPO_ROOT = path.resolve(here, '../../..');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Environment of a CLI process: the test's VBS_* settings only, nothing from the caller's VBS_*. */
export function cliEnv(vbs: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VBS_')) env[k] = v;
  for (const [k, v] of Object.entries(vbs)) if (v !== undefined) env[k] = v;
  return env;
}

export function runCli(args: string[], vbs: Record<string, string | undefined>, options: { command?: string[]; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const command = options.command ?? [process.execPath, CLI_MAIN];
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], [...command.slice(1), ...args], { env: cliEnv(vbs), cwd: options.cwd ?? REPO_ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A running `vbs serve`, with its output so far. */
export interface ServeProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once stdout contains the text; rejects if the process exits first or time runs out. */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startServe(vbs: Record<string, string | undefined>, options: { cwd?: string } = {}): ServeProcess {
  const child = spawn(process.execPath, [CLI_MAIN, 'serve'], { env: cliEnv(vbs), cwd: options.cwd ?? REPO_ROOT });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  let done = false;
  void exited.then(() => (done = true));
  const waitFor = async (text: string | RegExp, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    const seen = () => (typeof text === 'string' ? out.includes(text) : text.test(out));
    while (!seen()) {
      if (done) throw new Error(`vbs serve exited before printing ${String(text)}; stderr: ${err}`);
      if (Date.now() > deadline) throw new Error(`vbs serve did not print ${String(text)} in time; stdout: ${out} stderr: ${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor,
    stop: async (signal = 'SIGTERM') => {
      if (!done) child.kill(signal);
      return exited;
    },
  };
}
