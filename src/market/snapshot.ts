// Moved to src/lake/formats/raw.ts (issue 11). Kept only while src/audit imports this path: delete it then.
export type { RawSnapshot } from '../lake/formats/raw.js';
