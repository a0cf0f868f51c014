/**
 * Prints the seeded-fault corpus's confusion matrix (issue 14) as Markdown: which checks fail on which injected
 * vendor fault. `npx tsx scripts/quality-confusion-matrix.ts`; needs the real Yahoo recording
 * (../shared/fixtures/yahoo-chart beside the repository, or MARKETLAKE_YAHOO_FIXTURES).
 */
import { confusionMatrix, FAULTS, FIXTURE, fixturePresent, runCorpus } from '../test/quality/support/seeded-faults.js';

if (!fixturePresent) {
  console.error(`the seeded-fault corpus needs ${FIXTURE} (set MARKETLAKE_YAHOO_FIXTURES to its folder)`);
  process.exit(1);
}
const outcomes = await runCorpus();
console.log(confusionMatrix(outcomes));
console.log('');
for (const fault of FAULTS) console.log(`- ${fault.name}: ${fault.description}`);
for (const outcome of outcomes) {
  if (outcome.rejection !== null) console.log(`- ${outcome.fault.name}: the source rejected it: ${outcome.rejection}`);
}
