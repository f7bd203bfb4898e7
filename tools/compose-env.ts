import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from './dev-server';

/**
 * docker-compose.yml read as data, for the container-free stack (tools/pg-stack.ts): the native
 * stack takes its versions, environment, setup scripts and their arguments from the compose file
 * itself, and overrides only what a container network decides (host names, ports, bind address,
 * paths inside images). test/operate/compose.test.ts checks that list of overrides.
 */

export interface ComposeService {
  image?: string;
  environment?: Record<string, string | number> | string[];
  entrypoint?: string[];
  command?: string[];
  volumes?: string[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
}

export const COMPOSE_FILE = path.join(REPO_ROOT, 'docker-compose.yml');

export function readCompose(file = COMPOSE_FILE): ComposeFile {
  return parse(readFileSync(file, 'utf8'), { merge: true }) as ComposeFile;
}

export function composeService(compose: ComposeFile, name: string): ComposeService {
  const s = compose.services[name];
  if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
}

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g;

/** Compose interpolation (`${X}`, `${X:-default}`, `${X-default}`, `$$`) against `shell`. */
export function interpolate(value: string, shell: Record<string, string | undefined> = {}): string {
  return value
    .replace(VAR, (_m, name: string, op: string | undefined, dflt: string | undefined) => {
      const v = shell[name];
      if (op === ':-') return v === undefined || v === '' ? (dflt ?? '') : v;
      if (op === '-') return v === undefined ? (dflt ?? '') : v;
      return v ?? '';
    })
    .replace(/\$\$/g, '$');
}

/** A service's `environment` with compose's defaults applied (values from `shell` win). */
export function serviceEnv(
  s: ComposeService,
  shell: Record<string, string | undefined> = {},
): Record<string, string> {
  const e = s.environment ?? {};
  const pairs: Array<[string, string]> = Array.isArray(e)
    ? e.map((kv) => [kv.split('=')[0]!, kv.split('=').slice(1).join('=')])
    : Object.entries(e).map(([k, v]) => [k, String(v)]);
  return Object.fromEntries(pairs.map(([k, v]) => [k, interpolate(v, shell)]));
}

/** The tag of a service's image, defaults applied: `temporalio/server:${X:-1.31.0}` → 1.31.0. */
export function imageTag(
  s: ComposeService,
  shell: Record<string, string | undefined> = {},
): string {
  const image = interpolate(s.image ?? '', shell);
  const i = image.lastIndexOf(':');
  if (i < 0) throw new Error(`image ${image} has no tag`);
  return image.slice(i + 1);
}

/** Host path of a path inside a service's container, through its bind mounts of the repository. */
export function hostPathOf(s: ComposeService, containerPath: string): string {
  for (const v of s.volumes ?? []) {
    const [src, dst] = v.split(':');
    if (src?.startsWith('.') && dst && containerPath.startsWith(`${dst}/`)) {
      return path.join(REPO_ROOT, src, containerPath.slice(dst.length));
    }
  }
  throw new Error(`${containerPath} is not mounted from the repository`);
}
