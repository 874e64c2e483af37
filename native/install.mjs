// Builds the native addon (oneDNN kernels) as the root package's install script, so `npm ci`
// builds it wherever a C++ compiler and oneDNN's headers are present. Where they are not, the
// install still succeeds: native is an optional speed-up, training falls back to wasm, and this
// prints one line saying why. `npm run build:native` runs it again by hand (with --required, a
// failure is an error there). The full compiler output goes to native/build.log.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const addonFile = path.join(here, 'build', 'Release', 'fashion_native.node');
const logFile = path.join(here, 'build.log');
const required = process.argv.includes('--required');
const HOW = 'to enable it: apt-get install g++ libdnnl-dev, then npm run build:native';

function finish(ok, line) {
  console.log(`native backend: ${line}`);
  process.exit(ok || !required ? 0 : 1);
}

// An install that does not build must not leave an older addon behind that no longer matches
// the sources (or the machine).
rmSync(path.join(here, 'build'), { recursive: true, force: true });

if (process.env.FASHION_NATIVE === '0') finish(true, 'not built (FASHION_NATIVE=0); training uses wasm');

const cxx = process.env.CXX || 'g++';
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

// Loading it in a fresh process proves the shared libraries resolve (a crash stays in the child).
const probe = spawnSync(process.execPath, ['-e', `process.stdout.write(require(${JSON.stringify(addonFile)}).version())`], { encoding: 'utf8' });
if (probe.status !== 0) {
  const why =
    `${probe.stderr}`
      .split('\n')
      .find((l) => /Error:/.test(l))
      ?.trim() ?? 'it does not load';
  finish(false, `built but unusable (${why}); training uses wasm; ${HOW}`);
}
finish(true, `built (oneDNN ${probe.stdout})`);
