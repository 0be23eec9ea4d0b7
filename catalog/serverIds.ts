/**
 * Server-id blocks: each CDC job reads the binlog as MySQL replicas with ids of its own, one per parallel
 * reader (mysql-cdc `server-id`), and ids must differ across jobs and from the server's own server_id.
 *
 * Reserved span, relative to cdcServerIdBase:
 * - [0, 1000): the demo catalog, block i (100 ids) for the table at place i in catalog/tables.ts, as always,
 *   so demo stacks keep their ranges (and their jobs) across upgrades.
 * - [1000, 1000 + 64 × 65536): source tables, one block of 64 ids each (the widest sourceParallelism),
 *   chosen by a hash of the table's name, so a table keeps its block while others come and go. Two names
 *   hashing to the same block are resolved in name order (the later one takes the next free block).
 */
export const DEMO_BLOCK_WIDTH = 100;
export const DEMO_SPAN = 1000;
export const SOURCE_BLOCK_WIDTH = 64;
export const SOURCE_BLOCKS = 65536;
/** Every id a stack may hand to its jobs lies in [cdcServerIdBase, cdcServerIdBase + RESERVED_SPAN). */
export const RESERVED_SPAN = DEMO_SPAN + SOURCE_BLOCK_WIDTH * SOURCE_BLOCKS;

/** 32-bit FNV-1a of the UTF-8 bytes: small, stable across Node versions and machines. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, "utf8")) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The block of each source table, as an offset from cdcServerIdBase. */
export function sourceServerIdBlocks(tables: readonly string[]): Map<string, { offset: number; width: number }> {
  const taken = new Set<number>();
  const out = new Map<string, { offset: number; width: number }>();
  for (const name of [...tables].sort()) {
    let slot = fnv1a(name) % SOURCE_BLOCKS;
    while (taken.has(slot)) slot = (slot + 1) % SOURCE_BLOCKS;
    taken.add(slot);
    out.set(name, { offset: DEMO_SPAN + slot * SOURCE_BLOCK_WIDTH, width: SOURCE_BLOCK_WIDTH });
  }
  return out;
}
