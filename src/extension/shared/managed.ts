/**
 * Settings an organisation sets by browser policy (`storage.managed`): the server URL, and
 * whether people may change it. Chrome reads them from its policy files under the schema
 * `public/managed_schema.json` (the manifest's `storage.managed_schema`), Firefox from
 * `policies.json` ("3rdparty" → "Extensions" → the add-on's id); docs/DEPLOY.md shows both.
 * A URL the extension would refuse typed in by hand (serverURLProblem) is ignored here too.
 */
import { browser } from 'wxt/browser';
import { z } from 'zod/mini';
import { serverURLProblem } from './server-url.ts';

const Policy = z.object({
  serverURL: z.optional(z.string().check(z.maxLength(2048))),
  lockServerURL: z.optional(z.boolean()),
});

/** The policy's server: null when none (or an unusable one) is set; `locked` only with a server. */
export interface ManagedServer {
  serverURL: string | null;
  locked: boolean;
}

const NONE: ManagedServer = { serverURL: null, locked: false };

/** The managed server setting; none when the browser has no policy (Firefox rejects the read then). */
export async function readManagedServer(): Promise<ManagedServer> {
  let raw: unknown;
  try {
    raw = await browser.storage.managed.get(null);
  } catch {
    return NONE;
  }
  const parsed = Policy.safeParse(raw);
  if (!parsed.success || !parsed.data.serverURL || serverURLProblem(parsed.data.serverURL)) return NONE;
  return { serverURL: parsed.data.serverURL.trim(), locked: parsed.data.lockServerURL === true };
}
