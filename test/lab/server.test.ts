/**
 * `lmech lab`'s static server and build check (src/cli/commands/lab.ts), without building the lab:
 * a temp folder stands in for lab/dist. Checks the isolation and CSP headers on every response, that
 * nothing outside the folder (or hidden in it) is served, the methods allowed, and when a build is stale.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_HEADERS, type LabServer, labSourceDigest, labStaleReason, registerLab, serveLab } from '../../src/cli/commands/lab.ts';

let root = '';
let dist = '';
let server: LabServer;

/** A raw request (no URL normalisation, unlike fetch), so `..` reaches the server as sent. */
function get(path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'lmech-lab-server-'));
  dist = join(root, 'dist');
  mkdirSync(join(dist, 'assets'), { recursive: true });
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>lab</title>');
  writeFileSync(join(dist, 'assets', 'app-abc.js'), 'console.log(1)');
  writeFileSync(join(dist, '.lmech-lab.json'), '{"digest":"x"}');
  writeFileSync(join(root, 'secret.txt'), 'not for the browser');
  server = await serveLab({ dir: dist, port: 0 });
});

afterAll(async () => {
  await server?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('serveLab', () => {
  it('serves index.html at / with the isolation and CSP headers', async () => {
    const r = await get('/');
    expect(r.status).toBe(200);
    expect(r.body).toContain('<title>lab</title>');
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    for (const [k, v] of Object.entries(LAB_HEADERS)) expect(r.headers[k.toLowerCase()]).toBe(v);
    expect(String(r.headers['content-security-policy'])).toContain("default-src 'self'");
  });

  it('serves hashed assets as immutable JavaScript', async () => {
    const r = await get('/assets/app-abc.js');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(r.headers['cache-control']).toContain('immutable');
  });

  it('never serves outside the folder, hidden files or missing files', async () => {
    // `..` (raw or escaped) is normalised away by the URL parser, or refused: never the file above
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '//../secret.txt']) {
      const r = await get(path);
      expect([403, 404]).toContain(r.status);
      expect(r.body).not.toContain('not for the browser');
    }
    expect((await get('/.lmech-lab.json')).status).toBe(404);
    expect((await get('/nope.js')).status).toBe(404);
    expect((await get('/%E0%A4%A')).status).toBe(400);
    // error responses carry the same headers
    expect((await get('/nope.js')).headers['cross-origin-embedder-policy']).toBe('require-corp');
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await get('/', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    const post = await get('/', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('isolation: false leaves out COOP/COEP/CORP but keeps the CSP', async () => {
    const plain = await serveLab({ dir: dist, port: 0, isolation: false });
    try {
      const res = await fetch(plain.url);
      expect(res.headers.get('cross-origin-opener-policy')).toBeNull();
      expect(res.headers.get('cross-origin-embedder-policy')).toBeNull();
      expect(res.headers.get('content-security-policy')).toBe(LAB_HEADERS['Content-Security-Policy']);
    } finally {
      await plain.close();
    }
  });

  it('a port in use is a clear error naming --port', async () => {
    await expect(serveLab({ dir: dist, port: server.port })).rejects.toThrow(/--port: port \d+ on 127\.0\.0\.1 is in use/);
  });
});

describe('labStaleReason', () => {
  it('no build, no stamp, another digest: stale; the same digest: up to date', () => {
    const d = mkdtempSync(join(tmpdir(), 'lmech-lab-stale-'));
    try {
      expect(labStaleReason(d, 'abc')).toBe('no build yet');
      writeFileSync(join(d, 'index.html'), '');
      expect(labStaleReason(d, 'abc')).toBe('the build has no stamp');
      writeFileSync(join(d, '.lmech-lab.json'), JSON.stringify({ digest: 'abc' }));
      expect(labStaleReason(d, 'abc')).toBeUndefined();
      expect(labStaleReason(d, 'abd')).toBe('sources changed since the last build');
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('the digest covers the lab and src/ (stable between calls)', () => {
    const a = labSourceDigest();
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(labSourceDigest()).toBe(a);
  });
});

describe('lmech lab (command)', () => {
  function program(): Command {
    const p = new Command();
    p.exitOverride();
    registerLab(p);
    p.commands.forEach((c) => c.exitOverride());
    return p;
  }

  it('rejects a bad --port, and --no-build without a build, naming the flag', async () => {
    await expect(program().parseAsync(['node', 'lmech', 'lab', '--port', '70000'])).rejects.toThrow(/--port: expected an integer in \[0, 65535\], got '70000'/);
    const empty = mkdtempSync(join(tmpdir(), 'lmech-lab-empty-'));
    try {
      await expect(program().parseAsync(['node', 'lmech', 'lab', '--no-build', '--out', empty])).rejects.toThrow(/--no-build: .* has no built lab/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
