// ansible-playbook run from a temporary HOME with the json stdout callback,
// its output parsed, for the interop tests (the caller asks
// requireTool(this, 'ansible-playbook', ...) first).
import path from 'node:path';
import { runTool, type ToolRun } from './interop';

/** Ansible run quietly from a temporary HOME, reporting through the json callback. */
export function ansibleEnv(home: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HOME: home,
    ANSIBLE_LOCAL_TEMP: path.join(home, 'tmp'),
    ANSIBLE_PERSISTENT_CONTROL_PATH_DIR: path.join(home, 'pc'),
    ANSIBLE_HOST_KEY_CHECKING: 'False',
    ANSIBLE_STDOUT_CALLBACK: 'json',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_RETRY_FILES_ENABLED: 'False',
  };
}

/** One host's result of one task. */
export interface TaskResult {
  failed?: boolean;
  changed?: boolean;
  msg?: string;
  stdout?: string;
  /** With --diff, what netconf_config compared (before and after the edit). */
  diff?: { before?: string; after?: string };
}

/** What the json callback prints: each play's tasks with their results by host, and the counts by host. */
export interface JsonCallbackOutput {
  plays: { tasks: { task: { name: string }; hosts: Record<string, TaskResult> }[] }[];
  stats: Record<string, { failures: number; unreachable: number; ok: number; changed: number }>;
}

export interface PlaybookRun {
  out: ToolRun;
  /** undefined when stdout is not the json callback's output */
  result?: JsonCallbackOutput;
}

/** `ansible-playbook ...args` with ansibleEnv(home), killed after `timeoutMs`; its json output parsed. */
export async function runPlaybook(args: string[], home: string, timeoutMs: number): Promise<PlaybookRun> {
  const out = await runTool('ansible-playbook', args, ansibleEnv(home), timeoutMs);
  try {
    return { out, result: JSON.parse(out.stdout) as JsonCallbackOutput };
  } catch {
    return { out };
  }
}

/** The first play's task named `name`, with its results by host; undefined when it did not run. */
export function playTask(result: JsonCallbackOutput, name: string): JsonCallbackOutput['plays'][number]['tasks'][number] | undefined {
  return result.plays[0]?.tasks.find((t) => t.task.name === name);
}
