/**
 * Contacts and blocks (Ringlet additions; blocks under Tencent's names): two one-way lists
 * per user, each bounded (ServerLimits.maxContacts, maxBlocked). A contact is someone the
 * user knows: their calls use the pending places of contacts and group members, and they
 * may add the user to groups without asking. A blocked user's invitations are refused
 * without ringing and their group adds are dropped unheard (docs/SECURITY.md "Blocks").
 * Blocking someone also removes them from the contacts and drops their waiting group
 * invitations; adding a contact unblocks them.
 */
import { ErrorCode, limitExceeded, RingletError } from '../../protocol/errors.ts';
import type { OpParams, OpResult } from '../../protocol/ops.ts';
import type { ReadContext, RequestContext } from '../context.ts';
import type { ServerLimits } from '../limits/config.ts';
import { requireUsers } from './groups.ts';

export class ContactService {
  readonly #limits: ServerLimits;

  constructor(limits: ServerLimits) {
    this.#limits = limits;
  }

  async addContact(ctx: RequestContext, p: OpParams<'addContact'>): Promise<OpResult<'addContact'>> {
    if (p.userID === ctx.userID) throw new RingletError(ErrorCode.INVALID_PARAMETER, 'userID', 'userID: you cannot add yourself as a contact');
    await requireUsers(ctx.tx, [p.userID]);
    await ctx.tx.lockUser(ctx.userID);
    const present = (await ctx.tx.whoListed('contacts', p.userID, [ctx.userID])).has(ctx.userID);
    if (!present && (await ctx.tx.relationCount('contacts', ctx.userID)) >= this.#limits.maxContacts) {
      throw limitExceeded('contacts', `at most ${this.#limits.maxContacts} contacts; remove one first`);
    }
    await ctx.tx.addRelation('contacts', ctx.userID, [p.userID], ctx.now);
    await ctx.tx.removeRelation('blocks', ctx.userID, [p.userID]);
    return { userID: p.userID };
  }

  async removeContact(ctx: RequestContext, p: OpParams<'removeContact'>): Promise<OpResult<'removeContact'>> {
    await ctx.tx.removeRelation('contacts', ctx.userID, [p.userID]);
    return { userID: p.userID };
  }

  async contacts({ tx, userID }: ReadContext): Promise<OpResult<'getContactList'>> {
    return { contactList: await tx.relationList('contacts', userID) };
  }

  async block(ctx: RequestContext, p: OpParams<'addToBlacklist'>): Promise<OpResult<'addToBlacklist'>> {
    const ids = [...new Set(p.userIDList)];
    if (ids.includes(ctx.userID)) throw new RingletError(ErrorCode.INVALID_PARAMETER, 'userIDList', 'userIDList: you cannot block yourself');
    await requireUsers(ctx.tx, ids);
    await ctx.tx.lockUser(ctx.userID);
    const listed = new Set(await ctx.tx.relationList('blocks', ctx.userID));
    const fresh = ids.filter((u) => !listed.has(u));
    if (listed.size + fresh.length > this.#limits.maxBlocked) {
      throw limitExceeded('blocklist', `at most ${this.#limits.maxBlocked} blocked users; ${listed.size} now, ${fresh.length} more asked`);
    }
    const added = await ctx.tx.addRelation('blocks', ctx.userID, fresh, ctx.now);
    await ctx.tx.removeRelation('contacts', ctx.userID, ids);
    await ctx.tx.dropGroupInvitationsFrom(ctx.userID, ids);
    return added;
  }

  async unblock(ctx: RequestContext, p: OpParams<'removeFromBlacklist'>): Promise<OpResult<'removeFromBlacklist'>> {
    return ctx.tx.removeRelation('blocks', ctx.userID, [...new Set(p.userIDList)]);
  }

  async blacklist({ tx, userID }: ReadContext): Promise<OpResult<'getBlacklist'>> {
    return tx.relationList('blocks', userID);
  }
}
