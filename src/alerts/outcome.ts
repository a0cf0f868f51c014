/** What one request to a sink came to; senders never throw for a sink's failure, they describe it. */
export type SendOutcome =
  | { ok: true }
  | {
      ok: false;
      /** Why, for people; redacted by the caller before it is stored or printed. */
      error: string;
      /** How long the sink asked us to wait (HTTP 429/503 Retry-After), in ms. */
      retryAfterMs?: number;
    };

/** One request's worth of notifications for one sink: the outbox rows it delivers and what it sends. */
export interface Batch<Body = unknown> {
  ids: number[];
  body: Body;
}
