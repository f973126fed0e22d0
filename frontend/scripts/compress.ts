// Vite plugin: writes `<file>.gz` next to each text file of the build (gzip level 9), once, at
// build time. The gateway serves it to browsers that accept gzip (services/ko_gateway/console.py),
// so a remote browser fetches ~0.6 MB instead of ~2.3 MB, and nothing is compressed per request.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

const TEXT = /\.(?:html|js|mjs|css|json|svg|txt)$/;
const MIN_BYTES = 1024;

export function compress(): Plugin {
  return {
    name: 'ko-compress',
    apply: 'build',
    writeBundle(options, bundle) {
      const outDir = options.dir;
      if (!outDir) return;
      for (const name of Object.keys(bundle)) {
        if (!TEXT.test(name)) continue;
        const file = join(outDir, name);
        const body = readFileSync(file);
        if (body.length >= MIN_BYTES) writeFileSync(`${file}.gz`, gzipSync(body, { level: 9 }));
      }
    },
  };
}
