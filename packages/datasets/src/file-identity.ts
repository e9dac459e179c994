import type { BigIntStats } from 'node:fs';

/** What identifies a file's state without reading it (the stat cache key, DVC-style). */
export interface FileIdentity {
  size: number;
  mtimeNs: string;
  inode: string;
}

export function identityOf(stats: BigIntStats): FileIdentity {
  return { size: Number(stats.size), mtimeNs: stats.mtimeNs.toString(), inode: stats.ino.toString() };
}

export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.size === b.size && a.mtimeNs === b.mtimeNs && a.inode === b.inode;
}
