/**
 * Regenerates the extension's binary assets from code, so no third-party audio or art
 * ships: `npx tsx src/extension/tools/gen-assets.ts`.
 * - public/sounds/ring.wav: a two-tone "ring-ring" (0.4 s on, 0.2 s off, twice, then 1.4 s
 *   of silence), 8 kHz mono 16-bit, looped by the player.
 * - public/icon/{16,32,48,128}.png: a white ring and dot on a green disc, rasterised here
 *   (anti-aliased by 4x4 supersampling) and written as PNG with node:zlib.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const RATE = 8000;

/** RGBA of one icon pixel centre (x, y) in a 128-unit square. */
function shade(x: number, y: number): [number, number, number, number] {
  const d = Math.hypot(x - 64, y - 64);
  if (d > 60) return [0, 0, 0, 0];
  const white = (d > 24 && d < 36) || d < 11;
  return white ? [255, 255, 255, 255] : [11, 138, 95, 255];
}

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function icon(size: number): Buffer {
  const raw = Buffer.alloc((size * 4 + 1) * size);
  const unit = 128 / size;
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const acc = [0, 0, 0, 0];
      for (let sy = 0; sy < 4; sy++)
        for (let sx = 0; sx < 4; sx++) {
          const px = shade((x + (sx + 0.5) / 4) * unit, (y + (sy + 0.5) / 4) * unit);
          for (let i = 0; i < 3; i++) acc[i]! += px[i]! * px[3];
          acc[3]! += px[3];
        }
      const o = y * (size * 4 + 1) + 1 + x * 4;
      const a = acc[3]!;
      for (let i = 0; i < 3; i++) raw[o + i] = a ? Math.round(acc[i]! / a) : 0;
      raw[o + 3] = Math.round(a / 16);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function ringtone(): Buffer {
  const seconds = 2.6;
  const samples = new Int16Array(Math.round(RATE * seconds));
  const bursts = [
    [0, 0.4],
    [0.6, 1.0],
  ];
  for (let i = 0; i < samples.length; i++) {
    const t = i / RATE;
    const on = bursts.some(([a, b]) => t >= a! && t < b!);
    if (!on) continue;
    const burstStart = bursts.find(([a, b]) => t >= a! && t < b!)![0]!;
    const local = t - burstStart;
    // Short fades at both ends of a burst avoid clicks.
    const env = Math.min(1, local / 0.01, (0.4 - local) / 0.01);
    const v = 0.5 * Math.sin(2 * Math.PI * 440 * t) + 0.5 * Math.sin(2 * Math.PI * 480 * t);
    samples[i] = Math.round(v * env * 0.6 * 32767);
  }
  const data = Buffer.from(samples.buffer);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(RATE, 24);
  header.writeUInt32LE(RATE * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

mkdirSync('public/sounds', { recursive: true });
writeFileSync('public/sounds/ring.wav', ringtone());

mkdirSync('public/icon', { recursive: true });
for (const size of [16, 32, 48, 128]) writeFileSync(`public/icon/${size}.png`, icon(size));
console.log('assets written');
