/** The seqs of an append (store/types.ts EventSeqs), waiting for them when they come with the commit. */
import type { EventSeqs } from '../../src/server/store/types.ts';

export async function seqsOf(seqs: EventSeqs): Promise<Map<string, number>> {
  return seqs instanceof Map ? seqs : seqs.later;
}
