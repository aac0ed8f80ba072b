/** What a group's row and its members panel get from the groups screen. */
import type { Group } from '../../../../protocol/im.ts';
import type { Contact } from '../../log/contacts.ts';
import type { Run } from '../../hooks.ts';

export interface GroupRowProps {
  group: Group;
  me: string;
  online: boolean;
  open: boolean;
  onToggle: () => void;
  run: Run;
  contacts: readonly Contact[];
  /** Says what happened (a status line of the screen). */
  say: (text: string) => void;
  /** My groups changed (left or dismissed): the new list. */
  onGroups: (groups: Group[]) => void;
  /** A call went out: the popup shows it. */
  onDialled: () => void;
}
