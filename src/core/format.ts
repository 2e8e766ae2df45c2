/**
 * Sizes, durations and rates as people read them, one way everywhere cube prints them: progress,
 * log lines, plan descriptions, `cube cache du`. Exact byte counts stay in the JSON fields.
 */

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** A byte count with the largest binary unit under it (`512 B`, `1.5 KiB`, `35.9 MiB`). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(bytes)} B` : `${value.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

/**
 * A duration in seconds: milliseconds under a second (`35 ms`), tenths under a minute (`12.3 s`),
 * then minutes and seconds (`2m05s`), then hours (`1h02m`).
 */
export function formatDuration(seconds: number): string {
  if (seconds < 0.9995) return `${Math.round(Math.max(0, seconds) * 1000)} ms`;
  if (seconds < 59.95) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  if (whole < 3600) return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(whole / 3600)}h${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')}m`;
}

/** Bytes per second (`29.9 MiB/s`); a zero or unmeasurable interval has no rate (`–`). */
export function formatRate(bytes: number, seconds: number): string {
  return seconds > 0 && Number.isFinite(bytes / seconds) ? `${formatBytes(bytes / seconds)}/s` : '–';
}
