/** The bytes of a base64 string (the embedded WebAssembly modules), with the platform's `atob` (Node ≥ 16, browsers). */
export function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  if (typeof atob === 'function') {
    const bin = atob(s);
    const out = new Uint8Array(new ArrayBuffer(bin.length));
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  throw new Error('no base64 decoder available');
}

/**
 * The exports of an embedded module that imports nothing (it owns its memory), compiled and instantiated synchronously;
 * null where that fails: no WebAssembly, an unsupported feature such as SIMD, or a browser's main thread refusing to
 * compile more than 4 KB synchronously. Callers then keep their TypeScript loops.
 */
export function instantiateOwn<T>(base64: string): T | null {
  try {
    return new WebAssembly.Instance(new WebAssembly.Module(decodeBase64(base64)), {}).exports as unknown as T;
  } catch {
    return null;
  }
}
