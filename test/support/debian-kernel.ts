/**
 * @fileoverview Debian's stock kernel (linux-image-amd64, 6.1, an xz payload), the reference the
 * stub is measured against. Fetched once with `apt-get download` (Debian's archive is reachable
 * from the build machines; nothing is committed) into out/fixtures/, unpacked with dpkg-deb.
 * Fails loudly when it cannot be fetched: tests that need it never skip.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './build-fixture.ts';

export function debianKernel(): string {
  const directory = join(projectRoot, 'out', 'fixtures', 'debian-kernel');
  const found = existsSync(join(directory, 'boot')) ?
    readdirSync(join(directory, 'boot')).find((name) => name.startsWith('vmlinuz-')) : undefined;
  if (found) return join(directory, 'boot', found);

  const depends = execFileSync('apt-cache', ['depends', 'linux-image-amd64'], { encoding: 'utf8' });
  const image = depends.match(/Depends: (linux-image-[0-9][^\s]*-amd64)\b/)?.[1];
  if (!image) throw new Error(`cannot tell which package linux-image-amd64 depends on:\n${depends}`);
  const staging = `${directory}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  execFileSync('apt-get', ['download', image], { cwd: staging, stdio: 'pipe' });
  const deb = readdirSync(staging).find((name) => name.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download ${image} left no .deb`);
  execFileSync('sh', ['-c', `dpkg-deb --fsys-tarfile '${deb}' | tar -x ./boot`], { cwd: staging });
  rmSync(join(staging, deb));
  rmSync(directory, { recursive: true, force: true });
  renameSync(staging, directory);
  return debianKernel();
}
