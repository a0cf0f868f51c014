/**
 * Progress of a long scan of the lake (the CLI passes a terminal bar; `Progress` of src/cli/progress.ts fits this
 * shape).
 */
export interface ProgressSink {
  start(total: number, label: string): void;
  tick(detail?: string): void;
  stop(): void;
}

export const noProgress: ProgressSink = { start() {}, tick() {}, stop() {} };
