import type { LogProducer, OutgoingMessage } from '@tern/stream';
import { describe, expect, it } from 'vitest';
import { type CommitMessage, GroupCommitter, OFF_HEAP_MIN_CHARS } from './group-commit.ts';

/** A producer that records each call; partitions by the key's first character ('a' → 0, 'b' → 1, …). */
function recordingProducer(knowsPartitions = true) {
  const calls: OutgoingMessage[][] = [];
  const producer: LogProducer = {
    async send(_topic, messages) {
      calls.push(messages);
    },
    partitionOf: (_topic, key) => (knowsPartitions ? key.charCodeAt(0) - 97 : undefined),
    async close() {},
  };
  return { producer, calls };
}

const options = { lingerMs: 1, maxBatchEvents: 100, maxQueuedEvents: 1000, maxInFlight: 1 };
const merge = { join: (values: string[]) => values.join('\n'), maxChars: 12, maxMergedMessageChars: 11 };
const message = (key: string, value: string, packGroup = 'm1'): CommitMessage => ({ key, value, packGroup });

/** Sends each request's messages at once, so they share one call. */
async function oneCall(committer: GroupCommitter, requests: CommitMessage[][]): Promise<void> {
  await Promise.all(requests.map((messages) => committer.send(messages)));
}

describe('group commit', () => {
  it('merges a call’s messages per partition, in order, within a pack group and a size bound', async () => {
    const { producer, calls } = recordingProducer();
    const committer = new GroupCommitter(producer, 'events', { ...options, merge });
    await oneCall(committer, [
      [message('a1', 'x1')],
      [message('b1', 'y1')],
      [message('a2', 'x2')],
      [message('a3', 'x3', 'm2')],
      [message('a4', 'x4', 'm2')],
      [message('b2', 'y2-long-one')],
      [message('a5', 'x5-too-longer')],
      [message('a6', 'x6', 'm2')],
    ]);
    expect(calls).toEqual([
      [
        { key: 'a1', value: 'x1\nx2' },
        { key: 'b1', value: 'y1' },
        { key: 'a3', value: 'x3\nx4' },
        // 'y1' + 'y2-long-one' would pass 12 characters: a second message for partition b, after the first.
        { key: 'b2', value: 'y2-long-one' },
        // A message over 11 characters goes as it is, and the next one of its partition does not overtake it.
        message('a5', 'x5-too-longer'),
        { key: 'a6', value: 'x6' },
      ],
    ]);
  });

  it('sends messages as they are while the partitions are unknown, or when one has headers', async () => {
    const unknown = recordingProducer(false);
    await oneCall(new GroupCommitter(unknown.producer, 'events', { ...options, merge }), [
      [message('a1', 'x1')],
      [message('a2', 'x2')],
    ]);
    expect(unknown.calls).toEqual([[message('a1', 'x1'), message('a2', 'x2')]]);

    const known = recordingProducer();
    const withHeaders = { ...message('a2', 'x2'), headers: { h: '1' } };
    await oneCall(new GroupCommitter(known.producer, 'events', { ...options, merge }), [
      [message('a1', 'x1')],
      [withHeaders],
      [message('a3', 'x3')],
    ]);
    // a3 may not join a1's message: it would overtake a2 in the partition.
    expect(known.calls).toEqual([[{ key: 'a1', value: 'x1' }, withHeaders, { key: 'a3', value: 'x3' }]]);
  });

  it('hands a message too long to merge to the producer as a Buffer of its UTF-8 bytes', async () => {
    const { producer, calls } = recordingProducer();
    const committer = new GroupCommitter(producer, 'events', { ...options, merge });
    const long = `${'é'.repeat(OFF_HEAP_MIN_CHARS)}!`;
    const atBound = 'x'.repeat(OFF_HEAP_MIN_CHARS);
    const request = [message('a1', long), message('b1', atBound)];
    await oneCall(committer, [request, [message('c1', 'x1')]]);
    // In place: the caller's prepared batch, which holds its messages until the answer, no longer holds the string.
    expect(Buffer.isBuffer(request[0]?.value)).toBe(true);
    const sent = calls[0] ?? [];
    expect(Buffer.isBuffer(sent[0]?.value)).toBe(true);
    expect(String(sent[0]?.value)).toBe(long);
    expect(sent.slice(1)).toEqual([message('b1', atBound), { key: 'c1', value: 'x1' }]);
  });

  it('counts events, not messages, against its bounds', async () => {
    const { producer } = recordingProducer();
    const committer = new GroupCommitter(producer, 'events', { ...options, maxQueuedEvents: 50 });
    await expect(committer.send([message('a1', 'x')], 60)).rejects.toThrow('delivery queue is full');
    const first = committer.send([message('a1', 'x')], 40);
    expect(committer.depth).toBe(40);
    await expect(committer.send([message('a2', 'x')], 20)).rejects.toThrow('delivery queue is full');
    await committer.send([message('a2', 'x')], 10);
    await first;
  });
});
