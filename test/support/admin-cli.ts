/** Runs the admin command (src/server/cli/admin.ts) in a child process, as an administrator would. */
import { spawn } from 'node:child_process';

export interface AdminRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run admin -- <args>` with `input` on stdin; resolves once it exits. `onStderr` hears its standard error as it comes. */
export function runAdmin(args: string[], input = '', onStderr?: (text: string) => void): Promise<AdminRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/cli/admin.ts', ...args], { env: { ...process.env, RINGLET_LOG_LEVEL: 'silent' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    onStderr?.(stderr);
  });
  child.stdin.end(input);
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr })));
}
