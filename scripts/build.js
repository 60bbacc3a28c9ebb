'use strict';
// `npm run build`: compiles src/ to dist/ (tsconfig.build.json, incremental)
// and copies the files the code reads beside itself; bin/ncbgp runs dist/.
// npm install and npm ci run it (prepare), and so does mocha before the
// tests (.mocharc.json), so that a test starting bin/ncbgp runs the sources
// it tests.
const { execFileSync } = require('node:child_process');
const { copyFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
copyFileSync(join(root, 'src/server/default-config.yaml'), join(root, 'dist/server/default-config.yaml'));
