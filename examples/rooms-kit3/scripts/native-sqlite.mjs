// Builds a Node-22 copy of better-sqlite3 into examples/rooms-kit3/node_modules/better-sqlite3.
//
//   node scripts/native-sqlite.mjs [targetNodeModules]     (default: examples/rooms-kit3/node_modules)
//   import { ensureSqliteForNode22 } from './native-sqlite.mjs'
//
// Why: root `npm ci` builds node_modules/better-sqlite3 from source for Node 20's ABI, and a native
// addon only loads in the Node ABI it was built for. The Node 22 processes of rooms-kit3 resolve
// `better-sqlite3` from examples/rooms-kit3/node_modules first, so a Node-22 build placed there wins
// for them while the root copy stays Node 20's. Its deps (`bindings`, ...) still resolve from the
// root node_modules, so only the package itself is copied.
// Run it AFTER any root `npm ci`: once rooms-kit3 is a workspace, `npm ci` empties its node_modules.
import { cpSync, existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureNode22, replaceDirAtomically, run } from './node22.mjs';

const KIT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = resolve(KIT_DIR, '../../node_modules/better-sqlite3'); // root copy: read, never written
const STAMP = '.node22-build.json'; // inside the built package: what it was built from and for

const log = (msg) => process.stderr.write(`[native-sqlite] ${msg}\n`);

/** npm bundles node-gyp but does not put it on PATH; npm sets npm_config_node_gyp inside `npm run`. */
function findNodeGyp() {
  const candidates = [process.env.npm_config_node_gyp];
  const root = spawnSync('npm', ['root', '-g'], { encoding: 'utf8' });
  if (root.status === 0) candidates.push(join(root.stdout.trim(), 'npm/node_modules/node-gyp/bin/node-gyp.js'));
  const found = candidates.find((p) => p && existsSync(p));
  if (!found) throw new Error(`node-gyp not found (tried ${candidates.filter(Boolean).join(', ')})`);
  return found;
}

export async function ensureSqliteForNode22(targetNodeModules = join(KIT_DIR, 'node_modules')) {
  const { binDir, nodePath, nodeDir } = await ensureNode22();
  const nodeVersion = spawnSync(nodePath, ['-p', 'process.version'], { encoding: 'utf8' }).stdout.trim();
  const { version } = JSON.parse(readFileSync(join(SOURCE, 'package.json'), 'utf8'));
  const want = { betterSqlite3: version, node: nodeVersion };
  const dest = join(resolve(targetNodeModules), 'better-sqlite3');

  const stampPath = join(dest, STAMP);
  const have = existsSync(stampPath) ? JSON.parse(readFileSync(stampPath, 'utf8')) : {};
  const built = existsSync(join(dest, 'build/Release/better_sqlite3.node'));
  if (built && have.betterSqlite3 === want.betterSqlite3 && have.node === want.node) {
    log(`up to date: better-sqlite3 ${version} for Node ${nodeVersion} in ${dest}`);
    return dest;
  }

  log(`building better-sqlite3 ${version} for Node ${nodeVersion} (compiles SQLite: takes a minute or two)`);
  const nodeGyp = findNodeGyp();
  // Built in a temp dir beside `dest`, then renamed: an interrupted build never looks installed.
  await replaceDirAtomically(dest, (tmp) => {
    const buildDir = join(SOURCE, 'build');
    cpSync(SOURCE, tmp, { recursive: true, filter: (p) => p !== buildDir && !p.startsWith(buildDir + sep) });
    // The env for node-gyp: drop npm_config_* (inside `npm run` they would make node-gyp target
    // npm's Node), and put Node 22 first on PATH (the gyp action `node copy.js` runs from PATH).
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_/i.test(k)));
    env.PATH = `${binDir}:${env.PATH}`;
    // better-sqlite3's own install is `prebuild-install || node-gyp rebuild --release`; prebuild-install
    // downloads from GitHub (unreachable here), so go straight to the source build.
    // The compiler's warnings on SQLite's sources fill screens: shown only when the build fails.
    const build = spawnSync(nodePath, [nodeGyp, 'rebuild', '--release', `--nodedir=${nodeDir}`, '--jobs=max'], { cwd: tmp, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (build.error) throw build.error;
    if (build.status !== 0) {
      process.stderr.write(build.stdout + build.stderr);
      throw new Error(`node-gyp rebuild of better-sqlite3 failed with exit code ${build.status}`);
    }
    // Prove the build loads under Node 22 before it is moved into place.
    run(nodePath, ['-e', `new (require(${JSON.stringify(tmp)}))(':memory:').prepare('select 1').get()`], { env });
    writeFileSync(join(tmp, STAMP), `${JSON.stringify(want, null, 2)}\n`);
  });
  log(`built ${dest}`);
  return dest;
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await ensureSqliteForNode22(process.argv[2]);
  } catch (err) {
    log(`error: ${err.message}`);
    process.exit(1);
  }
}
