/**
 * The call window's stage, pure: which tiles come first (in a class the teacher, then who
 * has the floor; otherwise in the order people joined), and pages of at most PAGE_TILES so
 * a call of 3 to 30 people stays a readable grid. Off-page tiles stay in the document,
 * hidden: their audio keeps playing.
 */

/** Tiles on one page of the grid (3 × 3). */
export const PAGE_TILES = 9;

/** Peers in stage order: the teacher and the speaker first, everyone else as they came. */
export function stageOrder<T extends { userID: string }>(peers: readonly T[], first: ReadonlyArray<string | null>): T[] {
  const lead = first.filter((u): u is string => !!u);
  const rank = (p: T) => {
    const i = lead.indexOf(p.userID);
    return i < 0 ? lead.length : i;
  };
  return peers.map((p, i) => ({ p, i })).sort((a, b) => rank(a.p) - rank(b.p) || a.i - b.i).map((x) => x.p);
}

/** How many pages `count` tiles take, and the page a wanted page falls back to. */
export function pages(count: number, wanted: number): { pages: number; page: number } {
  const n = Math.max(1, Math.ceil(count / PAGE_TILES));
  return { pages: n, page: Math.min(Math.max(0, wanted), n - 1) };
}

/** Whether tile `index` is on `page`. */
export function onPage(index: number, page: number): boolean {
  return Math.floor(index / PAGE_TILES) === page;
}
