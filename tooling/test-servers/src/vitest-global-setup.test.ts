import { createHash } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import OpenAI from 'openai';
import { describe, expect, inject, it } from 'vitest';
import { connectOpenAIControl } from './openai/control-client.ts';

describe('servers started once by the vitest global setup', () => {
  it('hands the S3 server to tests through inject()', async () => {
    const s3 = inject('s3');
    const client = new S3Client(s3.clientSettings);
    const body = 'pinned bytes';
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'global/one', Body: body }));
    const got = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'global/one' }));
    const text = (await got.Body?.transformToString()) ?? '';
    expect(createHash('sha256').update(text).digest('hex')).toBe(
      createHash('sha256').update(body).digest('hex'),
    );
    client.destroy();
  });

  it('lets a test worker script the OpenAI server over its control endpoints', async () => {
    const openai = inject('openai');
    const control = connectOpenAIControl(openai.origin);
    await control.reset();
    await control.setRules([{ when: { lastUserMessage: /spam/i }, reply: 'Yes, this is spam.' }]);
    const client = new OpenAI({ baseURL: openai.baseURL, apiKey: 'test' });
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini-2024-07-18',
      messages: [{ role: 'user', content: "Is this spam? 'Win $1M now!!!'" }],
    });
    expect(completion.choices[0]?.message.content).toBe('Yes, this is spam.');
    expect((await control.requests()).map((request) => request.endpoint)).toEqual(['chat']);
  });
});
