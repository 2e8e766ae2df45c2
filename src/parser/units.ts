/** Sizes with units (`512MiB`, `2GiB`, `100MB`) and ports (`8080`, `53/udp`). */

const UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
};

/** Parses a size; undefined when it has no unit, an unknown unit, or is not a whole number of bytes. */
export function parseSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([A-Za-z]+)$/.exec(text.trim());
  if (!match) return undefined;
  const factor = UNITS[(match[2] as string).toLowerCase()];
  if (factor === undefined) return undefined;
  const bytes = Number(match[1]) * factor;
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}

/** Parses `port[/tcp|/udp]` or a range `from-to[/proto]`; undefined when malformed or out of 1–65535. */
export function parsePorts(text: string): { port: number; protocol: 'tcp' | 'udp' }[] | undefined {
  const match = /^(\d{1,5})(?:-(\d{1,5}))?(?:\/(tcp|udp))?$/i.exec(text);
  if (!match) return undefined;
  const from = Number(match[1]);
  const to = match[2] !== undefined ? Number(match[2]) : from;
  const protocol = (match[3]?.toLowerCase() ?? 'tcp') as 'tcp' | 'udp';
  if (from < 1 || to > 65535 || to < from || to - from > 1000) return undefined;
  const out = [];
  for (let p = from; p <= to; p++) out.push({ port: p, protocol });
  return out;
}

/** Parses a single port number 1–65535. */
export function parsePort(text: string): number | undefined {
  return /^\d{1,5}$/.test(text) && Number(text) >= 1 && Number(text) <= 65535 ? Number(text) : undefined;
}
