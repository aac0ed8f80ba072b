import { describe, expect, it } from 'vitest';
import { COMMANDS, isGlobal, manifestCommands } from '../../src/extension/shared/commands.ts';

describe('keyboard shortcuts in the manifest', () => {
  it('Chrome: answer, hang up and mute are global, with the only keys Chrome accepts for a global suggestion', () => {
    const chrome = manifestCommands('chrome');
    for (const name of ['accept-newest', 'hang-up', 'toggle-mute'] as const) {
      expect(chrome[name].global).toBe(true);
      expect(chrome[name].suggested_key.default).toMatch(/^Ctrl\+Shift\+[0-9]$/);
    }
    expect(chrome['reject-newest'].global).toBeUndefined();
    // Chrome takes at most 4 suggested keys, each bound once.
    const keys = Object.values(chrome).map((c) => c.suggested_key.default);
    expect(keys.length).toBeLessThanOrEqual(4);
    expect(new Set(keys).size).toBe(keys.length);
    expect(chrome['hang-up'].description).toBe('__MSG_commandHangUp__');
  });

  it('Firefox has no global shortcuts: none is declared global there, nor said to be', () => {
    const firefox = manifestCommands('firefox');
    expect(Object.values(firefox).some((c) => 'global' in c)).toBe(false);
    expect(Object.keys(COMMANDS).some((n) => isGlobal(n, true))).toBe(false);
    expect(isGlobal('toggle-mute', false)).toBe(true);
    expect(isGlobal('_execute_action', false)).toBe(false);
  });
});
