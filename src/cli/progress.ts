import { Presets, SingleBar } from 'cli-progress';
import { escapeControls } from '../quote.js';

/** Progress of long work: a bar on a terminal (stderr, so stdout stays clean for --json), nothing otherwise. */
export interface Progress {
  start(total: number, label: string): void;
  tick(detail?: string): void;
  stop(): void;
}

export const silentProgress: Progress = { start() {}, tick() {}, stop() {} };

export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return silentProgress;
  let bar: SingleBar | undefined;
  return {
    start(total, label) {
      bar = new SingleBar(
        { stream, format: `${label} [{bar}] {value}/{total} {detail}`, hideCursor: true, clearOnComplete: false },
        Presets.shades_classic,
      );
      bar.start(total, 0, { detail: '' });
    },
    tick(detail = '') {
      // The detail names a ticker, which may come from a bad line of a universe file.
      bar?.increment(1, { detail: escapeControls(detail) });
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
