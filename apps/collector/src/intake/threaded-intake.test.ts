import { Worker } from 'node:worker_threads';
import { decodeEventMessage } from '@tern/events';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OFF_HEAP_MIN_CHARS } from '../delivery/group-commit.ts';
import { type IntakeClock, type IntakeRequest, prepareRequest } from './prepare.ts';
import { loadPrepareDeps } from './prepare-deps.ts';
import { IntakeError, ThreadedIntake } from './threaded-intake.ts';

const settings = { geoDatabase: 'country', datacenterCheck: true } as const;
const salt = Buffer.alloc(32, 7);
const fixedClock = (): IntakeClock => ({ receivedAt: Date.UTC(2026, 10, 26, 12), salt, previousSalt: undefined });
const logger = pino({ level: 'silent' });

/** A message's lines with the event ids blanked: the one field that differs between two preparations. */
const linesWithoutIds = (message: string) =>
  decodeEventMessage(message).map((line) => (line.ok ? { ...line.value, eventId: '' } : line));

function request(path: string, extra: Partial<IntakeRequest> = {}): IntakeRequest {
  const body = { site: 'example.com', events: [{ type: 'pageview', url: `https://example.com${path}` }] };
  return {
    route: 'POST /v1/events',
    body: Buffer.from(JSON.stringify(body)),
    ip: '2.160.1.1',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36',
    acceptLanguage: 'de-DE',
    ...extra,
  };
}

describe('threaded intake', () => {
  let intake: ThreadedIntake;
  beforeAll(async () => {
    intake = await ThreadedIntake.start(2, settings, fixedClock, logger);
  }, 30_000);
  afterAll(() => intake.close());

  it('prepares on its threads what preparing inline gives, apart from the fresh event id', async () => {
    const threaded = await intake.prepare(request('/pricing'));
    const inline = prepareRequest(request('/pricing'), fixedClock(), loadPrepareDeps(settings));
    const events = (prepared: typeof threaded) => {
      if (!prepared.ok || prepared.batches[0]?.kind !== 'events') throw new Error('expected events');
      return prepared.batches[0].messages.flatMap((m) => linesWithoutIds(m.value as string));
    };
    expect(events(threaded)).toEqual(events(inline));
    expect(events(threaded)[0]).toMatchObject({ pathname: '/pricing', country: 'DE', browser: 'Chrome' });
  });

  it("takes an event's language from Accept-Language unless the event carries its own", () => {
    const events = [
      { type: 'pageview', url: 'https://example.com/a' },
      { type: 'pageview', url: 'https://example.com/b', lang: 'fr-CH' },
    ];
    const body = Buffer.from(JSON.stringify({ site: 'example.com', events }));
    const prepared = prepareRequest(
      request('/', { body, acceptLanguage: 'de-AT,de;q=0.9' }),
      fixedClock(),
      loadPrepareDeps(settings),
    );
    if (!prepared.ok || prepared.batches[0]?.kind !== 'events') throw new Error('expected events');
    const lines = prepared.batches[0].messages.flatMap((m) => decodeEventMessage(m.value as string));
    expect(lines.map((line) => (line.ok ? line.value.language : 'bad line'))).toEqual(['de-AT', 'fr-CH']);
  });

  it('answers each of many requests in flight with its own result', async () => {
    const paths = Array.from({ length: 500 }, (_, i) => `/page-${i}`);
    const results = await Promise.all(paths.map((path) => intake.prepare(request(path))));
    const seen = results.map((prepared) => {
      if (!prepared.ok || prepared.batches[0]?.kind !== 'events') return 'not events';
      const [line] = decodeEventMessage(prepared.batches[0].messages[0]?.value as string);
      return line?.ok ? line.value.pathname : 'bad line';
    });
    expect(seen).toEqual(paths);
  });

  it('hands a message too long to merge back as its UTF-8 bytes, the same as preparing inline', async () => {
    const events = Array.from({ length: 20 }, (_, i) => ({
      type: 'pageview',
      url: `https://example.com/docs/${i}`,
      title: 'Docs — Grüße 📈',
    }));
    const long = request('/', { body: Buffer.from(JSON.stringify({ site: 'example.com', events })) });
    const threaded = await intake.prepare(long);
    const inline = prepareRequest(long, fixedClock(), loadPrepareDeps(settings));
    if (!threaded.ok || threaded.batches[0]?.kind !== 'events') throw new Error('expected events');
    if (!inline.ok || inline.batches[0]?.kind !== 'events') throw new Error('expected events');
    const [bytes] = threaded.batches[0].messages.map((m) => m.value);
    const [text] = inline.batches[0].messages.map((m) => m.value);
    expect(typeof text === 'string' && text.length > OFF_HEAP_MIN_CHARS).toBe(true);
    expect(Buffer.isBuffer(bytes)).toBe(true);
    expect(linesWithoutIds((bytes as Buffer).toString('utf8'))).toEqual(linesWithoutIds(text as string));
    expect(linesWithoutIds(text as string)[19]).toMatchObject({ pathname: '/docs/19', title: 'Docs — Grüße 📈' });
  });

  it('returns bad input as an error answer, not a failure', async () => {
    const prepared = await intake.prepare(request('/', { body: Buffer.from('{"site": ') }));
    expect(prepared).toMatchObject({ ok: false, error: { status: 400, code: 'invalid_json' } });
  });
});

describe('a dying intake thread', () => {
  // A stand-in thread that dies on a request from 'die' and answers every other with its own id as the error code.
  const standIn = () =>
    new Worker(
      `const { parentPort } = require('node:worker_threads');
       parentPort.on('message', ({ requests }) => {
         if (requests.some(({ request }) => request.ip === 'die')) process.exit(3);
         parentPort.postMessage(requests.map(({ id, request }) => ({ id, prepared: { ok: false, error: { status: 400, code: request.ip, message: '', headers: {} } } })));
       });
       parentPort.postMessage('ready');`,
      { eval: true },
    );

  it('fails the requests it held and is replaced by a new thread', async () => {
    const intake = await ThreadedIntake.start(1, settings, fixedClock, logger, standIn);
    try {
      const held = intake.prepare(request('/', { ip: 'die' }));
      await expect(held).rejects.toBeInstanceOf(IntakeError);
      await expect(held).rejects.toThrow(/exited \(code 3\)/);
      // Until the replacement is up, requests fail at once (answered 503) rather than wait.
      await expect(intake.prepare(request('/', { ip: 'meanwhile' }))).rejects.toThrow(/restarting/);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await intake.prepare(request('/', { ip: 'after' }))).toMatchObject({ error: { code: 'after' } });
    } finally {
      await intake.close();
    }
    await expect(intake.prepare(request('/'))).rejects.toThrow(/closed/);
  });
});
