/**
 * The Firefox socket that probes the server over HTTP before opening a WebSocket
 * (probe-socket.ts): no WebSocket attempt while the server does not answer.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { probingSocketFactory, serverAnswers } from '../../src/extension/background/probe-socket.ts';
import type { SocketLike } from '../../src/sdk/socket.ts';

/** A stand-in for the platform WebSocket that records what the wrapper did with it. */
class InnerSocket implements SocketLike {
  readyState = 0;
  sent: string[] = [];
  closedWith: [number | undefined, string | undefined] | null = null;
  onopen: SocketLike['onopen'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  onmessage: SocketLike['onmessage'] = null;
  send(data: string) {
    this.sent.push(data);
  }
  close(code?: number, reason?: string) {
    this.closedWith = [code, reason];
  }
}

function setup(answers: boolean) {
  const opened: InnerSocket[] = [];
  let settle!: (ok: boolean) => void;
  const probed = new Promise<boolean>((r) => (settle = r));
  const factory = probingSocketFactory(
    () => probed,
    () => {
      const s = new InnerSocket();
      opened.push(s);
      return s;
    },
  );
  const sock = factory('ws://127.0.0.1:1/');
  const events: string[] = [];
  sock.onopen = () => events.push('open');
  sock.onerror = () => events.push('error');
  sock.onclose = (ev) => events.push(`close ${ev.code}`);
  sock.onmessage = (ev) => events.push(`message ${String(ev.data)}`);
  return { sock, opened, events, answer: () => settle(answers), probed };
}

describe('probingSocketFactory', () => {
  it('opens no WebSocket while the server does not answer: the attempt just closes', async () => {
    const { sock, opened, events, answer, probed } = setup(false);
    expect(sock.readyState).toBe(0);
    answer();
    await probed;
    await Promise.resolve();
    expect(opened).toEqual([]);
    expect(events).toEqual(['error', 'close 1006']);
    expect(sock.readyState).toBe(3);
  });

  it('opens the WebSocket once the server answers and passes everything through', async () => {
    const { sock, opened, events, answer, probed } = setup(true);
    answer();
    await probed;
    await Promise.resolve();
    expect(opened).toHaveLength(1);
    const inner = opened[0]!;
    inner.readyState = 1;
    inner.onopen?.({});
    inner.onmessage?.({ data: 'hi' });
    sock.send('ping');
    expect(sock.readyState).toBe(1);
    expect(inner.sent).toEqual(['ping']);
    sock.close(1000, 'bye');
    expect(inner.closedWith).toEqual([1000, 'bye']);
    inner.onclose?.({ code: 1000, reason: 'bye' });
    expect(events).toEqual(['open', 'message hi', 'close 1000']);
  });

  it('closed while probing, it never opens', async () => {
    const { sock, opened, events, answer, probed } = setup(true);
    sock.close();
    answer();
    await probed;
    await Promise.resolve();
    expect(opened).toEqual([]);
    expect(events).toEqual([]);
  });
});

describe('serverAnswers', () => {
  let http: Server | null = null;
  afterEach(async () => {
    await new Promise<void>((r) => (http ? http.close(() => r()) : r()));
    http = null;
  });

  it('is true when anything answers HTTP at the origin, false when nothing listens', async () => {
    const paths: string[] = [];
    http = createServer((req, res) => {
      paths.push(`${req.method} ${req.url}`);
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => http!.listen(0, '127.0.0.1', r));
    const port = (http.address() as AddressInfo).port;
    expect(await serverAnswers(`ws://127.0.0.1:${port}/ws`)).toBe(true);
    expect(paths).toEqual(['HEAD /healthz']);
    await new Promise<void>((r) => http!.close(() => r()));
    http = null;
    expect(await serverAnswers(`ws://127.0.0.1:${port}/ws`)).toBe(false);
  });
});
