// End to end: the real `perimeter serve` process, driven by the official
// openai npm client, non-streaming and streaming.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';

const bin = process.env.PERIMETER_BIN;
assert.ok(bin, 'set PERIMETER_BIN to the perimeter executable');

let server;
let client;

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perimeter-e2e-'));
  const model = join(dir, 'demo.gguf');
  const sha = execFileSync(bin, ['demo-model', model, '--seed', '3']).toString().split(/\s+/)[0];
  const lora = join(dir, 'legal.lora.gguf');
  const loraSha = execFileSync(bin, ['demo-adapter', lora, '--model', model]).toString().split(/\s+/)[0];
  const cfg = join(dir, 'perimeter.yaml');
  writeFileSync(cfg, `listen: 127.0.0.1:0
models:
  demo:
    engine: embedded
    path: ${model}
    sha256: ${sha}
    sampling: {temperature: 0.7, seed: 11, max_tokens: 12}
    adapters:
      legal: {path: ${lora}, sha256: ${loraSha}}
    slots: 2
    threads: 1
    context: 512
`);
  server = spawn(bin, ['serve', '-c', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const port = await new Promise((resolve, reject) => {
    const onData = (d) => {
      log += d.toString();
      const m = log.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) resolve(Number(m[1]));
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', onData);
    server.on('exit', (code) => reject(new Error(`perimeter exited with ${code}:\n${log}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    const r = await fetch(`${base}/readyz`).catch(() => null);
    if (r && r.status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused-in-local-mode', maxRetries: 0 });
});

after(() => server?.kill('SIGTERM'));

test('non-streaming chat completion', async () => {
  const r = await client.chat.completions.create({
    model: 'demo',
    messages: [{ role: 'user', content: 'Say hello' }],
    max_tokens: 8,
    seed: 5,
  });
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.model, 'demo');
  assert.equal(r.choices.length, 1);
  assert.equal(r.choices[0].message.role, 'assistant');
  assert.equal(typeof r.choices[0].message.content, 'string');
  assert.equal(r.choices[0].finish_reason, 'length');
  assert.equal(r.usage.completion_tokens, 8);
  assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + 8);
});

test('streaming chat completion with usage', async () => {
  const stream = await client.chat.completions.create({
    model: 'demo',
    messages: [{ role: 'user', content: 'Say hello' }],
    max_tokens: 8,
    seed: 5,
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let finish = null;
  let usage = null;
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    assert.equal(chunk.object, 'chat.completion.chunk');
    if (chunk.choices.length) {
      text += chunk.choices[0].delta.content ?? '';
      finish = chunk.choices[0].finish_reason ?? finish;
    }
    if (chunk.usage) usage = chunk.usage;
  }
  assert.ok(chunks >= 3);
  assert.equal(finish, 'length');
  assert.equal(usage.completion_tokens, 8);
  // The same seed without streaming gives the same text.
  const plain = await client.chat.completions.create({
    model: 'demo',
    messages: [{ role: 'user', content: 'Say hello' }],
    max_tokens: 8,
    seed: 5,
  });
  assert.equal(text, plain.choices[0].message.content);
});

test('a LoRA adapter is chosen with the adapter field', async () => {
  // The npm client sends fields it does not know as they are.
  const ask = (extra) =>
    client.chat.completions.create({
      model: 'demo',
      messages: [{ role: 'user', content: 'Review this clause' }],
      max_tokens: 10,
      seed: 9,
      ...extra,
    });
  const base = await ask({});
  const legal = await ask({ adapter: 'legal' });
  assert.notEqual(legal.choices[0].message.content, base.choices[0].message.content);
  assert.notEqual(legal.system_fingerprint, base.system_fingerprint);
  assert.equal((await ask({ adapter: 'legal' })).choices[0].message.content, legal.choices[0].message.content);
  await assert.rejects(ask({ adapter: 'medical' }), (e) => e.status === 400 && e.code === 'adapter_not_found');
});

test('errors surface as OpenAI API errors', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 404 && e.code === 'model_not_found',
  );
  await assert.rejects(
    client.chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'x' }], temperature: 9 }),
    (e) => e.status === 400 && e.param === 'temperature',
  );
});
