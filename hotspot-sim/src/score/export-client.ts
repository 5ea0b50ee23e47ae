import { defineError } from '@hexlight/kit';

// A running network's stored reports as replay input, over its admin API
// (`GET /v1/admin/poc/export`, services/poc): what `hexlight sim score --api` judges when the
// store itself belongs to the running process (DATA_DIR_LOCKED).

/** The admin export could not be fetched (details: url, status — 0 when unreachable — and code). */
export const SimScoreExportFailed = defineError('SIM_SCORE_EXPORT_FAILED', 'the network did not answer the admin export', { httpStatus: 502 });

export interface FetchReplayEventsOptions {
  apiUrl: string;
  adminToken: string;
  fromMs: number;
  toMs: number;
  fetch?: typeof fetch;
}

/** The JSONL events of [fromMs, toMs), one string per line (blank lines dropped). */
export async function fetchReplayEvents(opts: FetchReplayEventsOptions): Promise<string[]> {
  const url = new URL('/v1/admin/poc/export', opts.apiUrl);
  url.searchParams.set('from', new Date(opts.fromMs).toISOString());
  url.searchParams.set('to', new Date(opts.toMs).toISOString());
  const where = url.toString();
  const failed = (err: unknown) => SimScoreExportFailed(`GET ${where} failed: ${(err as Error).message}`, { url: where, status: 0 }, err);
  let res: Response;
  try {
    res = await (opts.fetch ?? fetch)(where, { headers: { authorization: `Bearer ${opts.adminToken}`, accept: 'application/x-ndjson' } });
  } catch (err) {
    throw failed(err);
  }
  if (!res.ok) {
    const text = await res.text().catch(() => '');
    let body: { code?: string; message?: string } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      body = { message: text.slice(0, 200) };
    }
    throw SimScoreExportFailed(`GET ${where}: HTTP ${res.status} ${body.code ?? ''} ${body.message ?? ''}`.trim(), { url: where, status: res.status, code: body.code });
  }
  // Line by line as it arrives: a long period is more text than one string may hold.
  const lines: string[] = [];
  const decoder = new TextDecoder();
  let rest = '';
  const take = (text: string, final: boolean) => {
    const parts = (rest + text).split('\n');
    rest = final ? '' : parts.pop()!;
    for (const p of parts) if (p.trim() !== '') lines.push(p);
  };
  try {
    if (res.body) for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) take(decoder.decode(chunk, { stream: true }), false);
    take(decoder.decode(), true);
  } catch (err) {
    throw failed(err);
  }
  return lines;
}
