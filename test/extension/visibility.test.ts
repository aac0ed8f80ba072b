import { describe, expect, it } from 'vitest';
import { ARM_MS, isArmed, observe, UNARMED } from '../../src/extension/content/visibility.ts';

describe('badge clickjacking: the arming rule', () => {
  it('arms a button only after it has been visible without a break for ARM_MS', () => {
    const a = observe(UNARMED, true, '10,10,60,24', 1000);
    expect(isArmed(a, '10,10,60,24', 1000 + ARM_MS - 1)).toBe(false);
    expect(isArmed(a, '10,10,60,24', 1000 + ARM_MS)).toBe(true);
    // Later "still visible" observations keep the original start.
    expect(observe(a, true, '10,10,60,24', 5000)).toBe(a);
  });

  it('disarms when covered (or made transparent or transformed) and starts over when visible again', () => {
    let a = observe(UNARMED, true, 'r', 0);
    a = observe(a, false, 'r', 2000);
    expect(isArmed(a, 'r', 2000)).toBe(false);
    a = observe(a, true, 'r', 2100);
    expect(isArmed(a, 'r', 2100 + ARM_MS - 1)).toBe(false);
    expect(isArmed(a, 'r', 2100 + ARM_MS)).toBe(true);
  });

  it('a moved badge is not armed where it now is, and re-arms from the move', () => {
    const a = observe(UNARMED, true, '10,10,60,24', 0);
    expect(isArmed(a, '200,10,60,24', 5000)).toBe(false);
    const moved = observe(a, true, '200,10,60,24', 5000);
    expect(isArmed(moved, '200,10,60,24', 5000 + ARM_MS - 1)).toBe(false);
    expect(isArmed(moved, '200,10,60,24', 5000 + ARM_MS)).toBe(true);
  });
});
