import { userInfo } from 'node:os';

/** Who runs a CLI command, as recorded in the audit log and as a source's uploader: local OS access is full trust, the actor is the OS user. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}
