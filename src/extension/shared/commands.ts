/**
 * The keyboard shortcuts (the manifest's `commands`), one table for the manifest, the worker
 * and the options page. Answer, hang up and mute work while the browser is not focused in
 * Chrome (`global: true`), whose global suggestions must be Ctrl+Shift+0…9 (a person can
 * rebind them, global or not, at chrome://extensions/shortcuts). Firefox has no global
 * shortcuts: there they work while a Firefox window is focused (rebound in about:addons →
 * Manage Extension Shortcuts). Chrome takes at most 4 suggested keys.
 */
export type CommandName = 'accept-newest' | 'hang-up' | 'toggle-mute' | 'reject-newest';

interface CommandSpec {
  /** The `_locales` key of its description. */
  description: 'commandAccept' | 'commandHangUp' | 'commandMute' | 'commandReject';
  chrome: string;
  firefox: string;
  /** Works while Chrome is not focused. */
  global: boolean;
}

export const COMMANDS: Record<CommandName, CommandSpec> = {
  'accept-newest': { description: 'commandAccept', chrome: 'Ctrl+Shift+1', firefox: 'Alt+Shift+A', global: true },
  'hang-up': { description: 'commandHangUp', chrome: 'Ctrl+Shift+2', firefox: 'Alt+Shift+H', global: true },
  'toggle-mute': { description: 'commandMute', chrome: 'Ctrl+Shift+3', firefox: 'Alt+Shift+M', global: true },
  'reject-newest': { description: 'commandReject', chrome: 'Alt+Shift+R', firefox: 'Alt+Shift+R', global: false },
};

type ManifestCommand = { suggested_key: { default: string }; description: string; global?: boolean };

/** The manifest's `commands` for one browser. */
export function manifestCommands(browser: 'chrome' | 'firefox'): Record<CommandName, ManifestCommand> {
  const out = {} as Record<CommandName, ManifestCommand>;
  for (const [name, c] of Object.entries(COMMANDS) as [CommandName, CommandSpec][]) {
    out[name] = {
      suggested_key: { default: c[browser] },
      description: `__MSG_${c.description}__`,
      ...(browser === 'chrome' && c.global ? { global: true } : {}),
    };
  }
  return out;
}

/** Whether a command works while the browser is not focused (only Chrome has global shortcuts). */
export function isGlobal(name: string, firefox: boolean): boolean {
  return !firefox && name in COMMANDS && COMMANDS[name as CommandName].global;
}
