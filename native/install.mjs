// Builds the native addon (oneDNN kernels) as the root package's install script, so `npm ci`
// builds it wherever a C++ compiler and oneDNN's headers are present. Where they are not, the
// install still succeeds: native is an optional speed-up, training falls back to wasm, and this
// prints one line saying why. `npm run build:native` runs it again by hand (with --required, a
// failure is an error there). The full compiler output goes to native/build.log.
// When the addon in native/build was built from the same sources, compiler and Node, and still
// loads, nothing is rebuilt: `npx pipeline`, `npm link` and a second `npm ci` re-run this script.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const addonFile = path.join(here, 'build', 'Release', 'fashion_native.node');
const logFile = path.join(here, 'build.log');
const stampFile = path.join(here, 'build', 'inputs.sha256');
const required = process.argv.includes('--required');
const HOW = 'to enable it: apt-get install g++ libdnnl-dev, then npm run build:native';

function finish(ok, line) {
  console.log(`native backend: ${line}`);
  process.exit(ok || !required ? 0 : 1);
}

/** The oneDNN version the built addon reports in a fresh process, or undefined when it does not load. */
function probeAddon() {
  // A fresh process proves the shared libraries resolve (a crash stays in the child).
  const probe = spawnSync(process.execPath, ['-e', `process.stdout.write(require(${JSON.stringify(addonFile)}).version())`], { encoding: 'utf8' });
  return probe.status === 0 ? { version: probe.stdout } : { error: probe.stderr };
}

/** Everything the build depends on: its sources, this script, the compiler, Node and the machine. */
function inputsDigest(cxx) {
  const hash = createHash('sha256');
  const files = [
    'binding.gyp',
    'install.mjs',
    ...readdirSync(path.join(here, 'src'))
      .sort()
      .map((f) => `src/${f}`),
  ];
  for (const f of files)
    hash
      .update(`${f}\0`)
      .update(readFileSync(path.join(here, f)))
      .update('\0');
  const compiler = spawnSync(cxx, ['--version'], { encoding: 'utf8' });
  hash.update(`${cxx}\0${compiler.stdout ?? ''}\0${process.version}\0${process.platform}-${process.arch}\0${process.env.CXXFLAGS ?? ''}`);
  return hash.digest('hex');
}

const cxx = process.env.CXX || 'g++';
const force = process.argv.includes('--force');
if (!force && process.env.FASHION_NATIVE !== '0' && existsSync(addonFile) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === inputsDigest(cxx)) {
  const current = probeAddon();
  if (current.version !== undefined) finish(true, `up to date (oneDNN ${current.version}; npm run build:native -- --force rebuilds it)`);
}

// An install that does not build must not leave an older addon behind that no longer matches
// the sources (or the machine).
rmSync(path.join(here, 'build'), { recursive: true, force: true });

if (process.env.FASHION_NATIVE === '0') finish(true, 'not built (FASHION_NATIVE=0); training uses wasm');

const compiler = spawnSync(cxx, ['--version'], { encoding: 'utf8' });
if (compiler.error || compiler.status !== 0) finish(false, `not built (no C++ compiler: ${cxx}); training uses wasm; ${HOW}`);

// Preprocessing one include tells "no libdnnl-dev" apart from every other build failure.
const header = spawnSync(cxx, ['-std=c++17', '-E', '-x', 'c++', '-', '-o', '/dev/null'], {
  input: '#include <oneapi/dnnl/dnnl.hpp>\n',
  encoding: 'utf8',
});
if (header.status !== 0) finish(false, `not built (oneDNN's headers are missing: libdnnl-dev); training uses wasm; ${HOW}`);

const require = createRequire(import.meta.url);
const gyp = require.resolve('node-gyp/bin/node-gyp.js');
// Node's own headers, where they are installed beside it (Debian, nodesource), keep the build
// offline; npm passes its `nodedir` setting itself. Elsewhere node-gyp downloads them as usual.
const localHeaders = path.resolve(path.dirname(process.execPath), '..');
const nodedir = !process.env.npm_config_nodedir && existsSync(path.join(localHeaders, 'include', 'node', 'node_api.h')) ? [`--nodedir=${localHeaders}`] : [];
const build = spawnSync(process.execPath, [gyp, 'rebuild', '-C', here, ...nodedir], { encoding: 'utf8', maxBuffer: 64 << 20 });
writeFileSync(logFile, `${build.stdout ?? ''}${build.stderr ?? ''}`);
if (build.status !== 0 || !existsSync(addonFile)) {
  const lines = `${build.stdout ?? ''}${build.stderr ?? ''}`.split('\n');
  const firstError = (lines.find((l) => /\berror:/.test(l)) ?? lines.find((l) => /gyp ERR! stack Error:/.test(l)) ?? `node-gyp exited with ${build.status}`)
    .replace(/^gyp ERR! stack /, '')
    .trim();
  finish(false, `not built (${firstError}; see native/build.log); training uses wasm; ${HOW}`);
}

const probe = probeAddon();
if (probe.version === undefined) {
  const why =
    `${probe.error}`
      .split('\n')
      .find((l) => /Error:/.test(l))
      ?.trim() ?? 'it does not load';
  finish(false, `built but unusable (${why}); training uses wasm; ${HOW}`);
}
writeFileSync(stampFile, inputsDigest(cxx));
finish(true, `built (oneDNN ${probe.version})`);
