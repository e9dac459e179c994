import type { BigIntStats } from 'node:fs';

/**
 * What identifies a file's state without reading it (the stat cache key, as git's index does):
 * size, mtime, inode and ctime. The ctime catches an edit whose mtime was put back
 * (`touch -r`): no user can set it.
 */
export interface FileIdentity {
  size: number;
  mtimeNs: string;
  inode: string;
  ctimeNs: string;
}

export function identityOf(stats: BigIntStats): FileIdentity {
  return {
    size: Number(stats.size),
    mtimeNs: stats.mtimeNs.toString(),
    inode: stats.ino.toString(),
    ctimeNs: stats.ctimeNs.toString(),
  };
}

export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.size === b.size && a.mtimeNs === b.mtimeNs && a.inode === b.inode && a.ctimeNs === b.ctimeNs;
}
