// Moved to src/lake/formats/raw-parse.ts (issue 11). Kept only while src/audit imports this path: delete it then.
export { parseRawDocument } from '../lake/formats/raw-parse.js';
