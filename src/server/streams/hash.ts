// FNV-1a over a string's UTF-16 code units: a fast, allocation-free hash that spreads keys
// (source names, cluster names) over the registry's shards.

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * 32-bit FNV-1a of `text` (code units, not UTF-8 bytes: only the spread matters here).
 * Example: `fnv1a32("cluster-1") % 16` -> the shard of "cluster-1".
 */
export function fnv1a32(text: string): number {
  let hash = FNV_OFFSET_BASIS;
  for (let i = 0; i < text.length; i++) {
    hash = Math.imul(hash ^ text.charCodeAt(i), FNV_PRIME);
  }
  return hash >>> 0;
}
