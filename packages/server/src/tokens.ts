import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { TtvError } from '@ttv/core';

/** Whom a bearer token stands for. Films belong to it; another token never sees them. */
export interface Principal {
  id: string;
}

/** One line of the token file: the token's owner and its sha256 (the token itself is never stored). */
interface TokenLine {
  id: string;
  sha256: string;
}

const hash = (token: string) => createHash('sha256').update(token).digest();
const OWNER = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** A new token (`ttv_` + 32 random bytes, base64url) and the line that stores its hash. */
export function newToken(id: string): { token: string; line: string } {
  if (!OWNER.test(id)) throw new TtvError('INPUT_INVALID', `token names are 1-64 letters, digits, _ . -: ${JSON.stringify(id)}`, { field: 'name' });
  const token = `ttv_${randomBytes(32).toString('base64url')}`;
  return { token, line: `${JSON.stringify({ id, sha256: hash(token).toString('hex') })}\n` };
}

/** Appends a new token's hash to the token file and returns the token (shown once). */
export async function addToken(file: string, id: string): Promise<string> {
  const { token, line } = newToken(id);
  await appendFile(file, line, { mode: 0o600 });
  return token;
}

/** Checks bearer tokens against stored hashes (constant time per entry). */
export interface TokenCheck {
  verify(authorization: string | undefined): Principal | undefined;
}

export function tokenCheck(lines: readonly TokenLine[]): TokenCheck {
  const entries = lines.map((l) => ({ id: l.id, digest: Buffer.from(l.sha256, 'hex') }));
  return {
    verify(authorization) {
      const m = /^Bearer ([A-Za-z0-9_-]{8,200})$/.exec(authorization ?? '');
      if (!m) return undefined;
      const digest = hash(m[1]!);
      let found: Principal | undefined;
      for (const e of entries) if (e.digest.length === digest.length && timingSafeEqual(e.digest, digest)) found ??= { id: e.id };
      return found;
    },
  };
}

function parseLine(text: string): Partial<TokenLine> {
  try {
    return JSON.parse(text) as Partial<TokenLine>;
  } catch {
    return {};
  }
}

/** Reads a token file (one JSON line per token: `{"id":…,"sha256":…}`). */
export async function loadTokens(file: string): Promise<TokenCheck> {
  if (!existsSync(file))
    throw new TtvError('CONFIG_INVALID', `token file not found: ${file}`, { field: '--tokens', fix: 'create one with `ttv serve --add-token NAME`' });
  const lines: TokenLine[] = [];
  for (const [n, text] of (await readFile(file, 'utf8')).split('\n').entries()) {
    if (!text.trim()) continue;
    const line = parseLine(text);
    if (typeof line.id !== 'string' || !OWNER.test(line.id) || typeof line.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(line.sha256)) {
      throw new TtvError('CONFIG_INVALID', `token file ${file}, line ${n + 1}: expected {"id": NAME, "sha256": 64 hex digits}`, { field: '--tokens' });
    }
    lines.push({ id: line.id, sha256: line.sha256 });
  }
  return tokenCheck(lines);
}
